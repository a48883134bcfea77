// The XML that S3 speaks: documents written from plain objects, and the few request bodies
// S3 clients send (CompleteMultipartUpload, Delete) read by a small parser that knows elements,
// text, CDATA and the five entities — and refuses DOCTYPEs, so no entity can be declared.

export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

/** An element's content: text, child elements by name (an array repeats the element), or nothing. */
export type XmlValue = string | number | boolean | null | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** `<?xml…?><root xmlns=…>…</root>`; the Error document goes without the namespace, as S3 sends it. */
export function xmlDocument(root: string, content: XmlObject): string {
  const ns = root === "Error" ? "" : ` xmlns="${S3_NAMESPACE}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${children(content)}</${root}>`;
}

function children(content: XmlObject): string {
  let out = "";
  for (const [name, value] of Object.entries(content)) out += element(name, value);
  return out;
}

function element(name: string, value: XmlValue): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join("");
  if (typeof value === "object") return `<${name}>${children(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

// ---- reading ----

export interface XmlElement {
  /** Without a namespace prefix. */
  name: string;
  children: XmlElement[];
  /** The text directly inside, entities decoded. */
  text: string;
}

export class XmlSyntaxError extends Error {}

const NAME = /^[A-Za-z_][\w.:-]*/;

/** Parses one document; throws XmlSyntaxError on anything that is not well-formed. */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (why: string): never => {
    throw new XmlSyntaxError(`${why} at character ${at}`);
  };
  const skipMisc = () => {
    while (at < source.length) {
      const rest = source.startsWith("<?", at) ? "?>" : source.startsWith("<!--", at) ? "-->" : null;
      if (rest) {
        const end = source.indexOf(rest, at + 2);
        if (end < 0) fail("unclosed declaration or comment");
        at = end + rest.length;
      } else if (/\s/.test(source[at]!)) at++;
      else break;
    }
  };
  const readElement = (): XmlElement => {
    if (source[at] !== "<") fail("expected an element");
    at++;
    const m = NAME.exec(source.slice(at, at + 256));
    if (!m) return fail("expected an element name");
    const qualified = m[0];
    at += qualified.length;
    // Attributes (xmlns and the like) are read past and ignored.
    const close = source.indexOf(">", at);
    if (close < 0) fail("unclosed start tag");
    const attributes = source.slice(at, close);
    if (/[<]/.test(attributes) || !/^(\s+[\w.:-]+\s*=\s*("[^"]*"|'[^']*'))*\s*\/?$/.test(attributes)) fail("malformed attributes");
    at = close + 1;
    const node: XmlElement = { name: qualified.replace(/^.*:/, ""), children: [], text: "" };
    if (attributes.endsWith("/")) return node;
    while (true) {
      if (at >= source.length) fail(`unclosed element <${qualified}>`);
      if (source.startsWith("</", at)) {
        const end = source.indexOf(">", at);
        if (end < 0 || source.slice(at + 2, end).trim() !== qualified) fail(`expected </${qualified}>`);
        at = end + 1;
        return node;
      }
      if (source.startsWith("<![CDATA[", at)) {
        const end = source.indexOf("]]>", at);
        if (end < 0) fail("unclosed CDATA");
        node.text += source.slice(at + 9, end);
        at = end + 3;
      } else if (source.startsWith("<!--", at)) {
        const end = source.indexOf("-->", at);
        if (end < 0) fail("unclosed comment");
        at = end + 3;
      } else if (source.startsWith("<!", at) || source.startsWith("<?", at)) {
        fail("declarations are not allowed inside elements");
      } else if (source[at] === "<") {
        node.children.push(readElement());
      } else {
        const end = source.indexOf("<", at);
        node.text += decodeEntities(source.slice(at, end < 0 ? source.length : end), fail);
        at = end < 0 ? source.length : end;
      }
    }
  };
  skipMisc();
  if (source.startsWith("<!", at)) fail("DOCTYPE declarations are not allowed");
  const root = readElement();
  skipMisc();
  if (at !== source.length) fail("content after the root element");
  return root;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string, fail: (why: string) => never): string {
  return text.replace(/&([^;]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(";")) return fail("a bare & in text");
    if (name in NAMED) return NAMED[name]!;
    const m = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(name);
    if (!m) return fail(`unknown entity &${name};`);
    const code = m[1]!.startsWith("x") ? Number.parseInt(m[1]!.slice(1), 16) : Number(m[1]);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return fail(`invalid character reference &${name};`);
    return String.fromCodePoint(code);
  });
}

/** The child elements with this name. */
export function childrenNamed(node: XmlElement, name: string): XmlElement[] {
  return node.children.filter((c) => c.name === name);
}

/** The text of the first child with this name, or undefined. */
export function childText(node: XmlElement, name: string): string | undefined {
  return node.children.find((c) => c.name === name)?.text;
}
