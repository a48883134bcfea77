import { ProblemError } from "../../core/errors.ts";
import { type ContainerEngine, lastLine, PODMAN_INSTALL_HINT } from "./engine.ts";

// Container images, as jobs name them (`environment: {image: "name:tag"}`) and as Plinth keeps
// them: an image is pinned at submit to the image id it names then, and the job runs that very
// id, whatever the tag points at later. Nothing is pulled: images come onto the machine by
// `plinth env build` (from a Containerfile) or by a Keeper's `podman pull` / `podman load`.

/** What a job's record keeps of its image: enough to run it again and to tell two apart. */
export interface ResolvedImage {
  /** The name the spec gave, e.g. localhost/plinth-env:3f2a9c1d0b7e. */
  reference: string;
  /** The image's id (sha256 hex of its configuration): what the job runs. */
  id: string;
  /** The manifest digest (sha256:…), which a registry would also show; null when the engine has none. */
  digest: string | null;
  /** Every name the image has on this machine. */
  names: string[];
  created: string | null;
  sizeBytes: number | null;
  /** The key of the `plinth env build` that made it; null for an image a Keeper put on the machine. */
  build?: string | null;
}

/** A name a spec may give: registry/path:tag or @sha256:…, or an image id. No options, no spaces. */
export const IMAGE_REFERENCE = /^(?![-.])[A-Za-z0-9._/:@-]{1,255}$/;

interface InspectedImage {
  Id?: string;
  Digest?: string;
  RepoTags?: string[] | null;
  Created?: string;
  Size?: number;
  Labels?: Record<string, string> | null;
}

/**
 * The image a reference names on this machine, pinned; a problem with a hint when there is none,
 * or when `mayUse` says the image, built by Plinth from someone's folder, is not for the asker
 * (answered as not found, so that nothing of it shows). `mayUse` null: Plinth's own lookup.
 */
export async function resolveImage(engine: ContainerEngine, reference: string, mayUse: ((build: string) => Promise<boolean>) | null): Promise<ResolvedImage> {
  if (!IMAGE_REFERENCE.test(reference)) throw invalidImage(`"${reference}" is not an image name.`);
  const r = await engine.run({ args: ["image", "inspect", "--format", "json", "--", reference], timeoutMs: 60_000 });
  if (r.code !== 0) {
    if (/image not known|no such image|unable to find/i.test(r.stderr)) throw imageNotFound(reference);
    throw new ProblemError({ status: 503, title: "Container engine failed", code: "container-engine-failed", detail: `podman could not look up the image "${reference}": ${lastLine(r.stderr)}`, hint: PODMAN_INSTALL_HINT });
  }
  const found = (JSON.parse(r.stdout) as InspectedImage[])[0];
  if (!found?.Id) throw invalidImage(`podman found nothing for "${reference}".`);
  const image = toResolvedImage(reference, found);
  if (image.build && mayUse && !(await mayUse(image.build))) throw imageNotFound(reference);
  return image;
}

function imageNotFound(reference: string): ProblemError {
  return new ProblemError({
    status: 422,
    title: "Image not found",
    code: "image-not-found",
    detail: `No image "${reference}" is on this machine, and Plinth pulls none from registries.`,
    hint: "Build it with `plinth env build --containerfile Containerfile` (it prints the name to use), or ask a Keeper to `podman pull` or `podman load` it on the server. `plinth env ls` lists the images jobs can use.",
    errors: [{ path: "environment.image", message: "not on this machine" }],
  });
}

export function toResolvedImage(reference: string, found: InspectedImage): ResolvedImage {
  return {
    reference,
    id: found.Id!,
    digest: found.Digest || null,
    names: found.RepoTags ?? [],
    created: found.Created ?? null,
    sizeBytes: typeof found.Size === "number" ? found.Size : null,
    build: found.Labels?.[PLINTH_BUILD_LABEL] ?? null,
  };
}

/** The images on this machine, newest first (those Plinth built carry its label). */
export async function listImages(engine: ContainerEngine): Promise<Array<ResolvedImage & { builtByPlinth: string | null }>> {
  const ids = (await engine.output(["images", "--quiet", "--no-trunc"], "list its images"))
    .split("\n")
    .map((l) => l.trim().replace(/^sha256:/, ""))
    .filter(Boolean);
  if (ids.length === 0) return [];
  const inspected = JSON.parse(await engine.output(["image", "inspect", "--format", "json", "--", ...new Set(ids)], "describe its images")) as InspectedImage[];
  return inspected
    .map((found) => ({ ...toResolvedImage(found.RepoTags?.[0] ?? found.Id!.slice(0, 12), found), builtByPlinth: found.Labels?.[PLINTH_BUILD_LABEL] ?? null }))
    .sort((a, b) => ((a.created ?? "") < (b.created ?? "") ? 1 : -1));
}

/** The label Plinth puts on the images it builds: the build's key. */
export const PLINTH_BUILD_LABEL = "io.plinth.build";

function invalidImage(detail: string): ProblemError {
  return new ProblemError({
    status: 422,
    title: "Invalid image",
    code: "invalid-environment",
    detail,
    hint: 'Name an image on this machine, e.g. environment: {image: "localhost/plinth-env:3f2a9c1d0b7e"}; `plinth env ls` lists them.',
    errors: [{ path: "environment.image", message: detail }],
  });
}
