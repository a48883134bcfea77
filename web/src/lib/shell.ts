// Shell words: quoting for display and splitting a typed command line into argv, as a
// POSIX shell would (quotes and backslashes; nothing is expanded or run).

export function shellQuote(arg: string): string {
  if (arg !== "" && /^[A-Za-z0-9_\-./=:@,+%^]+$/.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  // print('hi') reads better in double quotes, when nothing inside is special to them.
  if (!/["$`\\!]/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Splits a command line the way a POSIX shell would (quotes and backslashes), without running anything. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

export function joinCommand(argv: string[]): string {
  return argv.map(shellQuote).join(" ");
}

