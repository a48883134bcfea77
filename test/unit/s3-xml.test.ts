import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorDocument, S3Error } from "../../src/s3/errors.ts";
import { childrenNamed, childText, parseXml, XmlSyntaxError, xmlDocument } from "../../src/s3/xml.ts";

// The XML of the S3 endpoint: documents it writes read back the same, the request bodies S3
// clients send are read (namespaces, CDATA, entities), and anything else is refused.

/** Characters XML 1.0 allows in text. */
const xmlSafe = (s: string) =>
  [...s].every((c) => {
    const n = c.codePointAt(0)!;
    return n === 9 || n === 10 || n === 13 || (n >= 0x20 && n !== 0xfffe && n !== 0xffff);
  });

describe("S3 XML", () => {
  it("reads what it writes, for any text", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }).filter(xmlSafe), { maxLength: 5 }), (keys) => {
        const doc = parseXml(xmlDocument("Delete", { Object: keys.map((k) => ({ Key: k })) }));
        expect(childrenNamed(doc, "Object").map((o) => childText(o, "Key"))).toEqual(keys);
      }),
    );
  });

  it("reads a DeleteObjects body as boto3 sends it, namespace, entities and CDATA included", () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a &amp; b&#x2F;c&#233;</Key></Object><Object><Key><![CDATA[<raw>]]></Key></Object><Quiet>true</Quiet></Delete>`;
    const doc = parseXml(body);
    expect(doc.name).toBe("Delete");
    expect(childrenNamed(doc, "Object").map((o) => childText(o, "Key"))).toEqual(["a & b/cé", "<raw>"]);
    expect(childText(doc, "Quiet")).toBe("true");
    expect(parseXml("<s3:Part xmlns:s3='x'><s3:ETag>\"e\"</s3:ETag></s3:Part>").children[0]).toMatchObject({ name: "ETag", text: '"e"' });
  });

  it("refuses what is not well-formed, and any DOCTYPE", () => {
    for (const bad of [
      "",
      "<Delete>",
      "<Delete></Other>",
      "<Delete><Key>a</Delete>",
      "<Delete>a & b</Delete>",
      "<Delete>&unknown;</Delete>",
      "<Delete>&#xD800;</Delete>",
      "<A/><B/>",
      '<!DOCTYPE d [<!ENTITY x "y">]><Delete>&x;</Delete>',
      "<Delete><!DOCTYPE x></Delete>",
      "<Delete attr=unquoted></Delete>",
    ]) {
      expect(() => parseXml(bad), bad).toThrow(XmlSyntaxError);
    }
  });

  it("writes error documents as S3 does, without a namespace and with the request id", () => {
    const doc = errorDocument(new S3Error("NoSuchKey", "The specified key does not exist.", { Key: "a<b" }), "/s3/vision/a<b", "ABC123");
    expect(doc).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&lt;b</Key><Resource>/s3/vision/a&lt;b</Resource><RequestId>ABC123</RequestId></Error>',
    );
    expect(new S3Error("InvalidRange", "x").status).toBe(416);
    expect(new S3Error("QuotaExceeded", "x").status).toBe(403);
  });
});
