// JSON as MLflow's clients write and read it. MLflow's REST API is protobuf's JSON mapping,
// where a double that is not finite is the string "NaN", "Infinity" or "-Infinity"; answers
// are written so. Bodies are read leniently: a client that writes with Python's json module
// sends those as bare words, which are read as the same strings (the metric checks take them).

/** Bare NaN / Infinity / -Infinity outside strings, as the strings "NaN", "Infinity", "-Infinity". */
export function parseMlflowJson(text: string): unknown {
  if (!/NaN|Infinity/.test(text)) return JSON.parse(text);
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const word = /^-?(NaN|Infinity)/.exec(text.slice(i, i + 9));
    if (word) {
      out += `"${word[0]}"`;
      i += word[0].length - 1;
      continue;
    }
    out += c;
  }
  return JSON.parse(out);
}

/** JSON with numbers that are not finite as protobuf writes them: "NaN", "Infinity", "-Infinity". */
export function stringifyMlflowJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? (Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity") : v));
}
