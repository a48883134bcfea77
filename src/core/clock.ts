/** Time source, injectable so the scheduler can run on a virtual clock in tests and benchmarks. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
