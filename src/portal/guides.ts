import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { extname, join, posix, relative, resolve, sep } from "node:path";
import { Marked, type Tokens } from "marked";
import { problems } from "../core/errors.ts";

// The guides under docs/, rendered for the portal: Markdown to HTML on the server (the docs
// are the project's own, trusted files), links between guides rewritten to portal pages,
// images to the asset route, mermaid blocks left for the browser to draw, and a small
// in-memory index for full-text search. Files are re-read when they change.

export const SECTIONS = ["tutorials", "how-to", "reference", "explanation"] as const;
const RESCAN_MS = 2_000;
const ASSET_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
};

export interface GuideSummary {
  /** Path under docs/ without `.md`, e.g. `how-to/use-the-portal`. */
  id: string;
  section: string;
  title: string;
  summary: string;
}

export interface Guide extends GuideSummary {
  html: string;
  headings: Array<{ depth: number; id: string; text: string }>;
  updatedAt: string;
}

interface Entry extends Guide {
  mtimeMs: number;
  size: number;
  /** Lower-cased plain text, for search. */
  text: string;
  plain: string;
}

export class GuideLibrary {
  readonly root: string;
  #entries = new Map<string, Entry>();
  #scannedAt = 0;

  constructor(root: string) {
    this.root = resolve(root);
  }

  list(): GuideSummary[] {
    return [...this.#scan().values()].sort(byPlace).map(summaryOf);
  }

  get(id: string): Guide {
    const e = this.#scan().get(id);
    if (!e) throw problems.notFound("Guide", id, "The Guides page lists every guide; GET /api/v1/guides returns them.");
    const { mtimeMs: _m, size: _s, text: _t, plain: _p, ...guide } = e;
    return guide;
  }

  search(query: string, limit = 20): Array<GuideSummary & { snippet: string }> {
    const terms = [...new Set(query.toLowerCase().split(/[^\p{L}\p{N}_-]+/u).filter((t) => t.length >= 2))];
    if (terms.length === 0) return [];
    const hits: Array<{ e: Entry; score: number }> = [];
    for (const e of this.#scan().values()) {
      const title = e.title.toLowerCase();
      const headings = e.headings.map((h) => h.text.toLowerCase()).join(" ");
      let score = 0;
      for (const term of terms) {
        const inText = count(e.text, term);
        if (inText === 0 && !title.includes(term)) {
          score = 0;
          break;
        }
        score += (title.includes(term) ? 10 : 0) + (headings.includes(term) ? 4 : 0) + Math.min(inText, 10);
      }
      if (score > 0) hits.push({ e, score });
    }
    hits.sort((a, b) => b.score - a.score || byPlace(a.e, b.e));
    return hits.slice(0, limit).map(({ e }) => ({ ...summaryOf(e), snippet: snippet(e.plain, e.text, terms) }));
  }

  /** A file under docs/ that a guide shows (images); null for anything else. */
  assetPath(rel: string): { path: string; type: string } | null {
    const type = ASSET_TYPES[extname(rel).toLowerCase()];
    if (!type) return null;
    const path = resolve(this.root, rel);
    if (!path.startsWith(this.root + sep)) return null;
    try {
      const real = realpathSync(path);
      if (!real.startsWith(realpathSync(this.root) + sep) || !statSync(real).isFile()) return null;
      return { path: real, type };
    } catch {
      return null;
    }
  }

  #scan(): Map<string, Entry> {
    const now = Date.now();
    if (now - this.#scannedAt < RESCAN_MS) return this.#entries;
    this.#scannedAt = now;
    const next = new Map<string, Entry>();
    for (const file of walk(this.root)) {
      const rel = relative(this.root, file).split(sep).join("/");
      const id = rel.replace(/\.md$/i, "");
      const st = statSync(file);
      const old = this.#entries.get(id);
      next.set(id, old && old.mtimeMs === st.mtimeMs && old.size === st.size ? old : render(id, readFileSync(file, "utf8"), st.mtimeMs, st.size));
    }
    this.#entries = next;
    return next;
  }
}

function* walk(dir: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) yield* walk(path);
    else if (st?.isFile() && name.toLowerCase().endsWith(".md")) yield path;
  }
}

function render(id: string, markdown: string, mtimeMs: number, size: number): Entry {
  const dir = posix.dirname(id);
  const headings: Entry["headings"] = [];
  const used = new Map<string, number>();
  const marked = new Marked({
    gfm: true,
    walkTokens(token) {
      if (token.type === "link") token.href = rewriteLink(dir, token.href);
      if (token.type === "image") token.href = rewriteAsset(dir, token.href);
    },
    renderer: {
      heading({ tokens, depth }: Tokens.Heading) {
        const html = this.parser.parseInline(tokens);
        const text = stripTags(html);
        let slug = slugify(text) || "section";
        const n = used.get(slug) ?? 0;
        used.set(slug, n + 1);
        if (n > 0) slug = `${slug}-${n}`;
        headings.push({ depth, id: slug, text });
        return `<h${depth} id="${slug}">${html}</h${depth}>\n`;
      },
      code({ text, lang }: Tokens.Code) {
        const language = (lang ?? "").trim().split(/\s+/)[0] ?? "";
        if (language === "mermaid") return `<pre class="mermaid">${escapeHtml(text)}</pre>\n`;
        const cls = language ? ` class="language-${escapeHtml(language)}"` : "";
        return `<pre><code${cls}>${escapeHtml(text)}</code></pre>\n`;
      },
    },
  });
  const html = marked.parse(markdown, { async: false });
  const h1 = headings.find((h) => h.depth === 1);
  const plain = stripTags(html).replace(/\s+/g, " ").trim();
  const firstParagraph = /<p>([\s\S]*?)<\/p>/.exec(html);
  const summary = firstParagraph ? stripTags(firstParagraph[1]!).replace(/\s+/g, " ").trim() : "";
  const section = id.includes("/") ? id.split("/")[0]! : "";
  return {
    id,
    section,
    title: h1?.text ?? posix.basename(id).replace(/[-_]+/g, " "),
    summary: summary.length > 220 ? `${summary.slice(0, 217)}...` : summary,
    html,
    headings,
    updatedAt: new Date(mtimeMs).toISOString(),
    mtimeMs,
    size,
    text: plain.toLowerCase(),
    plain,
  };
}

const EXTERNAL = /^([a-z][a-z0-9+.-]*:|\/\/|#|\/)/i;

function rewriteLink(dir: string, href: string): string {
  if (EXTERNAL.test(href)) return href;
  const [path, hash] = splitHash(href);
  if (/\.md$/i.test(path)) return `/guides/${posix.normalize(posix.join(dir, path)).replace(/\.md$/i, "")}${hash}`;
  return rewriteAsset(dir, href);
}

function rewriteAsset(dir: string, href: string): string {
  if (EXTERNAL.test(href)) return href;
  const target = posix.normalize(posix.join(dir, splitHash(href)[0]));
  return target.startsWith("..") ? href : `/api/v1/guide-assets/${target}`;
}

function splitHash(href: string): [string, string] {
  const i = href.indexOf("#");
  return i < 0 ? [href, ""] : [href.slice(0, i), href.slice(i)];
}

function byPlace(a: GuideSummary, b: GuideSummary): number {
  // Files at the top of docs/ (its README) come first, as an overview.
  const rank = (s: string) => {
    if (s === "") return -1;
    const i = (SECTIONS as readonly string[]).indexOf(s);
    return i < 0 ? SECTIONS.length : i;
  };
  return rank(a.section) - rank(b.section) || a.id.localeCompare(b.id);
}

function summaryOf(e: GuideSummary): GuideSummary {
  return { id: e.id, section: e.section, title: e.title, summary: e.summary };
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** The passage around the place where most of the search words appear close together. */
function snippet(plain: string, lower: string, terms: string[]): string {
  const positions: number[] = [];
  for (const t of terms) for (let i = lower.indexOf(t); i >= 0 && positions.length < 500; i = lower.indexOf(t, i + t.length)) positions.push(i);
  if (positions.length === 0) return plain.slice(0, 160);
  let best = positions[0]!;
  let bestCount = 0;
  for (const p of positions) {
    const window = lower.slice(Math.max(0, p - 60), p + 120);
    const n = terms.filter((t) => window.includes(t)).length;
    if (n > bestCount) {
      best = p;
      bestCount = n;
    }
  }
  const start = Math.max(0, best - 60);
  const end = Math.min(plain.length, best + 120);
  return (start > 0 ? "…" : "") + plain.slice(start, end).trim() + (end < plain.length ? "…" : "");
}

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-|-$/g, "");
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, " ").replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]!).replace(/[ \t]+/g, " ").trim();
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
