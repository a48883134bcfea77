import { randomBytes } from "node:crypto";

// JSON as MLflow's Python client writes and reads it: Python's json module emits NaN,
// Infinity and -Infinity as bare words for metric values, and reads them back the same way.
// Standard JSON has no such words, so bodies are read with them turned into strings (which
// the metric checks accept, as MLflow's own server does) and answers are written with them.

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

// A marker no client can send: non-finite numbers are written as it, then swapped for bare words.
const MARK = `\u0000${randomBytes(8).toString("hex")}:`;
const MARKED = new RegExp(`"\\\\u0000${MARK.slice(1)}(NaN|Infinity|-Infinity)"`, "g");

export function stringifyMlflowJson(value: unknown): string {
  let marked = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) {
      marked = true;
      return `${MARK}${Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"}`;
    }
    return v;
  });
  return marked ? text.replace(MARKED, "$1") : text;
}
