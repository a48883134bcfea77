// Splits an MLflow search string into the tokens MLflow's own parser sees. MLflow hands filter
// and order_by strings to a general SQL tokenizer and then inspects its token types, so which
// strings it accepts — and the text its error messages quote — follow that tokenizer's rules:
// `-1` is one number, `1AND` is a name, a word before a dot is always a name, `"x"` is a quoted
// name rather than a string, `NOT LIKE` is one comparison operator. The rules below are the
// subset of those rules that a search string can reach, applied in the same order.

export type TokenKind =
  | "whitespace"
  | "comment"
  | "name"
  | "placeholder"
  | "builtin"
  | "keyword"
  | "dml"
  | "ddl"
  | "order"
  | "string"
  | "symbol"
  | "integer"
  | "float"
  | "hex"
  | "comparator"
  | "operator"
  | "wildcard"
  | "punctuation"
  | "assignment"
  | "command"
  | "error";

export interface Token {
  kind: TokenKind;
  text: string;
}

const WORD = "[\\p{L}\\p{N}_]";
const LETTER = "[A-ZÀ-Ü]";
const END = `(?!${WORD})`;

type Rule = [RegExp, TokenKind | "word"];

const rule = (source: string, kind: TokenKind | "word"): Rule => [new RegExp(source, "iuy"), kind];

// In the tokenizer's order: the first rule that matches at a position wins.
const RULES: Rule[] = [
  rule(`(?:--|# )[^\\r\\n]*(?:\\r\\n|\\r|\\n|$)`, "comment"),
  rule(`\\r\\n|\\r|\\n`, "whitespace"),
  rule(`\\s`, "whitespace"),
  rule(`:=`, "assignment"),
  rule(`::`, "punctuation"),
  rule(`\\*`, "wildcard"),
  rule("`(?:``|[^`])*`", "name"),
  rule(`´(?:´´|[^´])*´`, "name"),
  rule(`\\?`, "placeholder"),
  rule(`%(?:\\(${WORD}+\\))?s`, "placeholder"),
  rule(`(?<!${WORD})[$:?]${WORD}+`, "placeholder"),
  rule(`\\\\${WORD}+`, "command"),
  rule(`(?:CASE|IN|VALUES|USING|FROM|AS)${END}`, "keyword"),
  rule(`(?:@|##|#)${LETTER}${WORD}+`, "name"),
  rule(`${LETTER}${WORD}*(?=\\s*\\.(?![0-9]))`, "name"),
  rule(`(?<=\\.)${LETTER}${WORD}*`, "name"),
  rule(`${LETTER}${WORD}*(?=\\()`, "name"),
  rule(`-?0x[0-9A-F]+`, "hex"),
  rule(`-?[0-9]+(?:\\.[0-9]+)?E-?[0-9]+`, "float"),
  rule(`(?![_A-ZÀ-Ü])-?(?:[0-9]+\\.[0-9]*|\\.[0-9]+)(?![_A-ZÀ-Ü])`, "float"),
  rule(`(?![_A-ZÀ-Ü])-?[0-9]+(?![_A-ZÀ-Ü])`, "integer"),
  rule(`'(?:''|\\\\'|[^'])*'`, "string"),
  rule(`"(?:""|\\\\"|[^"])*"`, "symbol"),
  rule(`(?<![\\p{L}\\p{N}_\\])])\\[[^\\]\\[]+\\]`, "name"),
  rule(`(?:(?:LEFT\\s+|RIGHT\\s+|FULL\\s+)?(?:INNER\\s+|OUTER\\s+|STRAIGHT\\s+)?|(?:CROSS\\s+|NATURAL\\s+)?)?JOIN${END}`, "keyword"),
  rule(`END(?:\\s+IF|\\s+LOOP|\\s+WHILE|\\s+FOR|\\s+CASE)?${END}`, "keyword"),
  rule(`IF\\s+(?:NOT\\s+)?EXISTS${END}`, "keyword"),
  rule(`NOT\\s+NULL${END}`, "keyword"),
  rule(`(?:ASC|DESC)(?:\\s+NULLS\\s+(?:FIRST|LAST))?${END}`, "order"),
  rule(`NULLS\\s+(?:FIRST|LAST)${END}`, "order"),
  rule(`UNION\\s+ALL${END}`, "keyword"),
  rule(`CREATE(?:\\s+OR\\s+REPLACE)?${END}`, "ddl"),
  rule(`DOUBLE\\s+PRECISION${END}`, "builtin"),
  rule(`(?:GROUP|ORDER)\\s+BY${END}`, "keyword"),
  rule(`(?:PRIMARY\\s+KEY|HANDLER\\s+FOR)${END}`, "keyword"),
  rule(`(?:NOT\\s+)?(?:LIKE|ILIKE|RLIKE)${END}`, "comparator"),
  rule(`(?:NOT\\s+)?REGEXP(?:\\s+BINARY)?${END}`, "comparator"),
  rule(`${WORD}[$#\\p{L}\\p{N}_]*`, "word"),
  rule(`[;:()\\[\\],.]`, "punctuation"),
  rule(`->>?|#>>?|@>|<@|\\?\\|?|\\?&|-|#-`, "operator"),
  rule(`[<>=~!]+`, "comparator"),
  rule(`[+/@#%^&|-]+`, "operator"),
];

// Words the tokenizer reads as SQL keywords or type names rather than as names. Only bare words
// (a key without an entity type before it) can be one; the list covers the words a search
// string is likely to hold, so that `name = 'a' OR ...` and `BETWEEN` fail as they do in MLflow.
const KEYWORDS = new Set(
  (
    "ALL AND ANY AS BETWEEN BY CASE COUNT CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DEFAULT " +
    "DISTINCT ELSE END ESCAPE EXCEPT EXISTS FALSE FOR FROM FULL GROUP HAVING IF IN INNER INTERSECT INTO " +
    "IS ISNULL JOIN KEY LEFT LEVEL LIMIT NOT NOTNULL NULL OF OFFSET ON OR ORDER OUTER PARAMETER PARAMETERS RIGHT ROLE SET SOME SOURCE TABLE " +
    "THEN TIME TO TRUE TYPE UNION UNIQUE USER USING VALUES VERSION VIEW WHEN WHERE WITH"
  ).split(" "),
);
const DML = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE"]);
const DDL = new Set(["CREATE", "DROP", "ALTER", "TRUNCATE"]);
const BUILTINS = new Set(
  "ARRAY BIGINT BINARY BIT BLOB BOOLEAN CHAR CHARACTER DATE DEC DECIMAL FLOAT INT INT8 INTEGER INTERVAL LONG NUMBER NUMERIC REAL ROWID SERIAL SERIAL8 SIGNED SMALLINT SYSDATE TEXT TINYINT UNSIGNED VARCHAR VARCHAR2 VARYING TIMESTAMP".split(
    " ",
  ),
);

function wordKind(word: string): TokenKind {
  const upper = word.toUpperCase();
  if (KEYWORDS.has(upper)) return "keyword";
  if (DML.has(upper)) return "dml";
  if (DDL.has(upper)) return "ddl";
  if (BUILTINS.has(upper)) return "builtin";
  return "name";
}

/** Multi-line comments: found with indexOf rather than a lazy regex, so unclosed ones stay linear. */
function multilineComment(text: string, at: number, lastClose: number): number {
  if (!text.startsWith("/*", at) || lastClose < at + 2) return -1;
  const close = text.indexOf("*/", at + 2);
  return close === -1 ? -1 : close + 2;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const lastClose = text.lastIndexOf("*/");
  let at = 0;
  while (at < text.length) {
    const commentEnd = multilineComment(text, at, lastClose);
    if (commentEnd !== -1) {
      tokens.push({ kind: "comment", text: text.slice(at, commentEnd) });
      at = commentEnd;
      continue;
    }
    let matched = false;
    for (const [pattern, kind] of RULES) {
      pattern.lastIndex = at;
      const match = pattern.exec(text);
      if (!match || match[0].length === 0) continue;
      const value = match[0];
      tokens.push({ kind: kind === "word" ? wordKind(value) : kind, text: value });
      at += value.length;
      matched = true;
      break;
    }
    if (!matched) {
      // One character nothing else takes (a lone quote, say): the tokenizer keeps it as an error token.
      const char = String.fromCodePoint(text.codePointAt(at)!);
      tokens.push({ kind: "error", text: char });
      at += char.length;
    }
  }
  return tokens;
}

/** A keyword of any kind (plain, DML, DDL, ASC/DESC). */
export const isKeyword = (token: { kind: string }): boolean =>
  token.kind === "keyword" || token.kind === "dml" || token.kind === "ddl" || token.kind === "order";
