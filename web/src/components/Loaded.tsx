/**
 * Marks that a page has rendered its first real data. Browser tests wait for it and the
 * portal benchmark measures the time until it appears.
 */
export function Loaded({ when, name }: { when: boolean; name: string }) {
  return when ? <span hidden data-loaded={name} /> : null;
}
