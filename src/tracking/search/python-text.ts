// Python's spelling of values, for the parts of MLflow's search language and messages that come
// straight from Python: `IN (...)` lists are read as Python literals, and error messages quote
// values as Python prints them (`('a', 1)`, `b'\x00'`, `{'offset': 0}`, `1000.0`). Clients show
// these messages to people, so they are spelled the same here.

/** A Python value a list literal or a page token can hold. */
export type PyValue = string | number | boolean | null | PyBytes | PyTuple | PyValue[] | { [key: string]: PyValue };
export interface PyBytes {
  bytes: Uint8Array;
}
export interface PyTuple {
  tuple: PyValue[];
}

const isTuple = (value: PyValue): value is PyTuple => typeof value === "object" && value !== null && "tuple" in value && !Array.isArray(value);
const isBytes = (value: PyValue): value is PyBytes => typeof value === "object" && value !== null && "bytes" in value && value.bytes instanceof Uint8Array;

/** Python's repr() of a float. */
export function pyFloat(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa, exponentText] = value.toExponential().split("e") as [string, string];
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace(/^-/, "").replace(".", "");
  let text: string;
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) text = `0.${"0".repeat(-exponent - 1)}${digits}`;
    else if (digits.length <= exponent + 1) text = `${digits}${"0".repeat(exponent + 1 - digits.length)}.0`;
    else text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  } else {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    text = `${head}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return negative ? `-${text}` : text;
}

// What Python's repr() leaves as it is in a str: printable characters (not other/separator
// categories), and the plain space.
const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

function escapeCodePoint(code: number): string {
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, "0")}`;
  return `\\U${code.toString(16).padStart(8, "0")}`;
}

/** Python's repr() of a str. */
export function pyStr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === "\\") out += "\\\\";
    else if (char === quote) out += `\\${quote}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (char !== " " && NOT_PRINTABLE.test(char)) out += escapeCodePoint(code);
    else out += char;
  }
  return out + quote;
}

/** Python's repr() of bytes. */
export function pyBytes(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (char === "\\") out += "\\\\";
    else if (char === quote) out += `\\${quote}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return out + quote;
}

/** Python's repr() of a value; numbers with no fractional part print as ints. */
export function pyRepr(value: PyValue): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return pyStr(value);
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value).toString() : pyFloat(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (isBytes(value)) return pyBytes(value.bytes);
  if (isTuple(value)) {
    const items = value.tuple.map(pyRepr);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  return `{${Object.entries(value)
    .map(([key, item]) => `${pyStr(key)}: ${pyRepr(item)}`)
    .join(", ")}}`;
}

export class PySyntaxError extends Error {}

/**
 * Python's ast.literal_eval for what a parenthesised list in a search string can hold: strings
 * (with escapes, raw and bytes prefixes, adjacent ones joined), numbers, True/False/None, and
 * tuples and lists of them. Anything else is a PySyntaxError.
 */
export function literalEval(text: string): PyValue {
  const reader = new LiteralReader(text);
  const value = reader.expression();
  reader.skipBlank();
  if (!reader.done()) throw new PySyntaxError("unexpected text after the value");
  return value;
}

const ESCAPES: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\n": "" };

class LiteralReader {
  #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text.replace(/^[ \t]+/, "");
  }

  done(): boolean {
    return this.#at >= this.#text.length;
  }

  skipBlank(): void {
    for (;;) {
      const match = /^(?:[ \t\f\r\n]+|#[^\r\n]*|\\\r?\n)/.exec(this.#text.slice(this.#at));
      if (!match) return;
      this.#at += match[0].length;
    }
  }

  #peek(): string {
    return this.#text[this.#at] ?? "";
  }

  expression(): PyValue {
    this.skipBlank();
    const char = this.#peek();
    if (char === "(" || char === "[") return this.#sequence(char);
    if (char === "-" || char === "+") {
      this.#at += 1;
      this.skipBlank();
      const operand = this.#number();
      return char === "-" ? -operand : operand;
    }
    if (/[0-9.]/.test(char)) return this.#number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.#text.slice(this.#at))?.[0] ?? "";
    const quoteAfterPrefix = /^[rRuUbB]{1,2}['"]/.test(this.#text.slice(this.#at));
    if (char === "'" || char === '"' || quoteAfterPrefix) return this.#strings();
    if (word === "True" || word === "False" || word === "None") {
      this.#at += word.length;
      return word === "None" ? null : word === "True";
    }
    throw new PySyntaxError("not a literal");
  }

  #sequence(open: string): PyValue {
    const close = open === "(" ? ")" : "]";
    this.#at += 1;
    const items: PyValue[] = [];
    let trailingComma = false;
    for (;;) {
      this.skipBlank();
      if (this.#peek() === close) break;
      items.push(this.expression());
      this.skipBlank();
      trailingComma = this.#peek() === ",";
      if (trailingComma) this.#at += 1;
      else if (this.#peek() !== close) throw new PySyntaxError(`expected ${close}`);
    }
    this.#at += 1;
    if (open === "[") return items;
    // `(x)` is x itself; `()`, `(x,)` and `(x, y)` are tuples.
    return items.length === 1 && !trailingComma ? items[0]! : { tuple: items };
  }

  #number(): number {
    const rest = this.#text.slice(this.#at);
    const match =
      /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9](?:_?[0-9])*)?|[0-9](?:_?[0-9])*\.?(?:[eE][+-]?[0-9](?:_?[0-9])*)?)/.exec(
        rest,
      );
    if (!match) throw new PySyntaxError("not a number");
    const literal = match[0].replaceAll("_", "");
    if (/^0[0-9]+$/.test(literal) && /[1-9]/.test(literal)) throw new PySyntaxError("leading zeros");
    if (/^[A-Za-z0-9_]/.test(rest.slice(match[0].length))) throw new PySyntaxError("invalid number");
    this.#at += match[0].length;
    if (/^0[oObB]/.test(literal)) return Number.parseInt(literal.slice(2), literal[1]!.toLowerCase() === "o" ? 8 : 2);
    return Number(literal);
  }

  /** One or more adjacent string literals, joined as Python joins them. */
  #strings(): PyValue {
    let text = "";
    let bytes: boolean | undefined;
    for (;;) {
      const literal = this.#string();
      if (bytes !== undefined && bytes !== literal.bytes) throw new PySyntaxError("cannot mix bytes and nonbytes literals");
      bytes = literal.bytes;
      text += literal.text;
      this.skipBlank();
      if (!/^(?:[rRuUbB]{1,2})?['"]/.test(this.#text.slice(this.#at))) break;
    }
    return bytes ? { bytes: Uint8Array.from(text, (char) => char.charCodeAt(0)) } : text;
  }

  #string(): { text: string; bytes: boolean } {
    const prefix = /^[rRuUbB]{0,2}/.exec(this.#text.slice(this.#at))![0].toLowerCase();
    if (!["", "r", "u", "b", "br", "rb"].includes(prefix)) throw new PySyntaxError("unknown string prefix");
    this.#at += prefix.length;
    const raw = prefix.includes("r");
    const bytes = prefix.includes("b");
    const quote = this.#peek();
    const triple = this.#text.startsWith(quote.repeat(3), this.#at);
    const delimiter = triple ? quote.repeat(3) : quote;
    this.#at += delimiter.length;
    let text = "";
    for (;;) {
      if (this.done()) throw new PySyntaxError("unterminated string");
      if (this.#text.startsWith(delimiter, this.#at)) {
        this.#at += delimiter.length;
        return { text, bytes };
      }
      const char = this.#peek();
      if (!triple && (char === "\n" || char === "\r")) throw new PySyntaxError("unterminated string");
      if (char === "\\") {
        const next = this.#text[this.#at + 1] ?? "";
        if (raw) {
          text += char + next;
          this.#at += 2;
          continue;
        }
        this.#at += 2;
        text += this.#escape(next, bytes);
        continue;
      }
      if (bytes && char.charCodeAt(0) > 0x7f) throw new PySyntaxError("bytes can only contain ASCII literal characters");
      text += char;
      this.#at += 1;
    }
  }

  #escape(next: string, bytes: boolean): string {
    if (next in ESCAPES) return ESCAPES[next]!;
    if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(this.#text.slice(this.#at - 1))![0];
      this.#at += octal.length - 1;
      return String.fromCodePoint(Number.parseInt(octal, 8));
    }
    const width = next === "x" ? 2 : !bytes && next === "u" ? 4 : !bytes && next === "U" ? 8 : 0;
    if (width === 0) return `\\${next}`;
    const hex = this.#text.slice(this.#at, this.#at + width);
    if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) throw new PySyntaxError("truncated escape");
    this.#at += width;
    const code = Number.parseInt(hex, 16);
    if (code > 0x10ffff) throw new PySyntaxError("illegal Unicode character");
    return String.fromCodePoint(code);
  }
}

/**
 * Python's int() of a str: blanks around, a sign, digits that may be grouped with single
 * underscores. Undefined when Python would refuse it.
 */
export function pyIntFromString(text: string): bigint | undefined {
  const match = /^\s*([+-]?)([0-9]+(?:_[0-9]+)*)\s*$/.exec(text);
  if (!match) return undefined;
  const magnitude = BigInt(match[2]!.replaceAll("_", ""));
  return match[1] === "-" ? -magnitude : magnitude;
}
