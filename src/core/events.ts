import { EventEmitter } from "node:events";

// In-process event bus: a submit or a job's end wakes the scheduler, and the portal's live
// views are fed from here. Typed by event name.
export interface PlinthEvents {
  "job.changed": { jobId: string; state: string; userId: string };
  "job.log": { jobId: string };
  "workspace.changed": { workspaceId: string; state: string; userId: string };
  "scheduler.wake": { reason: string };
}

export class EventBus {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  emit<K extends keyof PlinthEvents>(name: K, payload: PlinthEvents[K]): void {
    this.#emitter.emit(name, payload);
  }

  on<K extends keyof PlinthEvents>(name: K, listener: (payload: PlinthEvents[K]) => void): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }
}
