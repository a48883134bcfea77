// MLflow's page tokens: base64 of the JSON `{"offset": n}`, spelt byte for byte as MLflow's
// server spells them, and read as leniently as MLflow reads them (Python's base64 decoder skips
// characters outside the alphabet and stops at the padding). A token a client made up or
// damaged is refused with MLflow's INVALID_PARAMETER_VALUE messages.

import { invalidParameter } from "../mlflow-error.ts";
import { pyBytes, pyIntFromString, pyRepr, type PyValue } from "./python-text.ts";

/** The token for the page that starts `offset` rows in. */
export function createPageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`, "utf8").toString("base64");
}

/**
 * Searches fetch one row more than the page holds (`limit: maxResults + 1`); when that extra
 * row came back there is a next page, and this is its token.
 */
export function nextPageToken(offset: number, maxResults: number, rowsFetched: number): string | undefined {
  return rowsFetched > maxResults ? createPageToken(offset + maxResults) : undefined;
}

/** The offset a page token stands for; no token (or an empty one) is the first page. */
export function parsePageToken(token: string | null | undefined): number {
  if (!token) return 0;
  const bytes = decodeBase64(token);
  if (bytes === undefined) throw invalidParameter("Invalid page token, could not base64-decode");
  let parsed: PyValue;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)) as PyValue;
  } catch {
    throw invalidParameter(`Invalid page token, decoded value=${pyBytes(bytes)}`);
  }
  const parsedValue = () => invalidParameter(`Invalid page token, parsed value=${pyRepr(parsed)}`);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw parsedValue();
  const raw = (parsed as Record<string, PyValue>)["offset"];
  if (isFalsy(raw)) throw parsedValue();
  const offset = toInt(raw!);
  if (offset === undefined) throw invalidParameter(`Invalid page token, not stringable ${typeof raw === "string" ? raw : pyRepr(raw!)}`);
  // MLflow would pass these on to the database; an offset must be a whole number of rows.
  if (offset < 0 || !Number.isSafeInteger(offset)) throw parsedValue();
  return offset;
}

/** Python's truthiness, for the JSON values a token can hold. */
function isFalsy(value: PyValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value).length === 0;
}

/** Python's int() of a JSON value: floats are truncated, strings parsed, anything else refused. */
function toInt(value: PyValue): number | undefined {
  if (value === true) return 1;
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value === "string") {
    const parsed = pyIntFromString(value);
    return parsed === undefined ? undefined : Number(parsed);
  }
  return undefined;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Python's base64.b64decode without validation: characters outside the alphabet are skipped,
 * a complete padding ends the input, and a final group of one character or with missing
 * padding is an error (undefined).
 */
function decodeBase64(text: string): Uint8Array | undefined {
  // Python refuses a str with non-ASCII characters before decoding it.
  if ([...text].some((char) => char.charCodeAt(0) > 0x7f)) return undefined;
  const out: number[] = [];
  let quad = 0;
  let pads = 0;
  let left = 0;
  for (const char of text) {
    if (char === "=") {
      pads += 1;
      if (quad >= 2 && quad + pads >= 4) return Uint8Array.from(out);
      continue;
    }
    const value = ALPHABET.indexOf(char);
    if (value === -1) continue;
    pads = 0;
    if (quad === 0) left = value;
    else if (quad === 1) {
      out.push(((left << 2) | (value >> 4)) & 0xff);
      left = value & 0x0f;
    } else if (quad === 2) {
      out.push(((left << 4) | (value >> 2)) & 0xff);
      left = value & 0x03;
    } else out.push(((left << 6) | value) & 0xff);
    quad = (quad + 1) % 4;
  }
  return quad === 0 ? Uint8Array.from(out) : undefined;
}
