import type { Clock } from "../core/clock.ts";
import { ProblemError, problems } from "../core/errors.ts";
import { parseDuration } from "../core/units.ts";
import { can } from "../identity/policy.ts";
import type { Principal } from "../identity/service.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { owned } from "./access.ts";
import type { DataStore } from "./store.ts";
import type { DatasetFilesTable } from "./tables.ts";

// Download links that work without a token until they expire. On S3 the store signs its own
// (the bytes then never pass through Plinth). On the local folder Plinth signs
// `/api/v1/data/signed?…` itself: the link names the version, the file and who made it, with
// an expiry and an HMAC over all of them; opening it checks the signature in constant time and
// the expiry, and that its maker may still read the version.

export const MAX_LINK_SECONDS = 7 * 24 * 3600;

/** Signs and checks the fields of Plinth's own links (storage/signed-urls.ts's UrlSigner). */
export interface LinkSigner {
  /** The query string (without `?`) carrying `fields`, the expiry and their signature. */
  sign(fields: Record<string, string>, expiresAt: number): string;
  verify(query: Record<string, unknown>, now: number): { ok: true; fields: Record<string, string> } | { ok: false; reason: "expired" | "bad-signature" };
}

export interface DataLinksOptions {
  store: DataStore;
  blobs: BlobStore;
  signer: LinkSigner;
  clock: Clock;
  defaultSeconds: number;
  /** A person as the policy sees them now; null once removed. */
  principalFor(userId: string): Promise<Principal | null>;
}

export class DataLinks {
  readonly #o: DataLinksOptions;

  constructor(opts: DataLinksOptions) {
    this.#o = opts;
  }

  /** A link to one file of a version, valid for `expiresIn` (default: storage.presignExpiry). */
  async make(actor: Principal, file: DatasetFilesTable, expiresIn: string | undefined, origin: string): Promise<{ url: string; expiresAt: string }> {
    const seconds = linkSeconds(expiresIn, this.#o.defaultSeconds);
    const now = this.#o.clock.now();
    const expiresAt = now + seconds * 1000;
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    const native = await this.#o.blobs.presignGet(file.sha256, seconds, name);
    if (native) return { url: native, expiresAt: new Date(expiresAt).toISOString() };
    const query = this.#o.signer.sign({ version: file.version_id, path: file.path, by: actor.userId }, expiresAt);
    return { url: `${origin.replace(/\/$/, "")}/api/v1/data/signed?${query}`, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The file a signed link names, once its signature, expiry and maker's access are checked. */
  async open(query: Record<string, unknown>): Promise<DatasetFilesTable> {
    const checked = this.#o.signer.verify(query, this.#o.clock.now());
    if (!checked.ok) {
      if (checked.reason === "expired") {
        throw new ProblemError({ status: 403, title: "Link expired", code: "link-expired", detail: "This download link has expired.", hint: "Ask for a new one: `plinth data url NAME@VERSION PATH --expires-in 1h`." });
      }
      throw invalidLink("The link's signature does not match what it names: it was changed, or made by another server.");
    }
    const { version: versionId, path, by } = checked.fields;
    if (!versionId || !path || !by) throw invalidLink("The link lacks what it must name.");
    const [maker, version] = await Promise.all([this.#o.principalFor(by), this.#o.store.version(versionId)]);
    const dataset = version ? await this.#o.store.dataset(version.dataset_id) : undefined;
    if (!maker || !dataset || !can(maker, "read", owned(dataset))) {
      throw new ProblemError({
        status: 403,
        title: "Link no longer valid",
        code: "link-revoked",
        detail: "The version this link opens was removed, or the person who made the link may no longer read it.",
        hint: "Ask someone who can read the dataset for a new link (`plinth data url NAME@VERSION PATH`).",
      });
    }
    const file = await this.#o.store.file(versionId, path);
    if (!file) throw problems.notFound("File", path, "The version no longer has this file; ask for a new link.");
    return file;
  }
}

/** `expiresIn` as seconds, between 1 second and 7 days. */
export function linkSeconds(expiresIn: string | undefined, fallback: number): number {
  if (expiresIn === undefined) return Math.min(fallback, MAX_LINK_SECONDS);
  const ms = parseDuration(expiresIn);
  if (ms === null || ms < 1000 || ms > MAX_LINK_SECONDS * 1000) {
    throw problems.badRequest(`expiresIn: '${expiresIn.slice(0, 20)}' is not a duration from 1s to 7d.`, "Give a duration such as `15m`, `1h` or `2d` (at most 7d).");
  }
  return Math.floor(ms / 1000);
}

export function invalidLink(detail: string): ProblemError {
  return new ProblemError({
    status: 403,
    title: "Invalid link",
    code: "invalid-link",
    detail,
    hint: "Use the link exactly as it was given, before it expires; ask for a new one with `plinth data url NAME@VERSION PATH`.",
  });
}
