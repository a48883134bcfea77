// What changed between two environments' package lists (name==version lines): the packages
// only the second has, those only the first has, and those both have at other versions.

export interface PackageDiff {
  added: string[];
  removed: string[];
  changed: Array<{ name: string; from: string; to: string }>;
}

/** `name==version` as a map from the normalised name (PEP 503) to the version. */
function versions(packages: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of packages) {
    const at = line.indexOf("==");
    const name = (at < 0 ? line : line.slice(0, at)).trim().toLowerCase().replace(/[-_.]+/g, "-");
    out.set(name, at < 0 ? "" : line.slice(at + 2).trim());
  }
  return out;
}

export function diffPackages(from: string[], to: string[]): PackageDiff {
  const a = versions(from);
  const b = versions(to);
  const pin = (name: string, version: string) => (version ? `${name}==${version}` : name);
  const diff: PackageDiff = { added: [], removed: [], changed: [] };
  for (const [name, version] of b) {
    const before = a.get(name);
    if (before === undefined) diff.added.push(pin(name, version));
    else if (before !== version) diff.changed.push({ name, from: before, to: version });
  }
  for (const [name, version] of a) if (!b.has(name)) diff.removed.push(pin(name, version));
  diff.added.sort();
  diff.removed.sort();
  diff.changed.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return diff;
}
