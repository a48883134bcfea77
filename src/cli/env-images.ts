import { formatBytes } from "../core/units.ts";
import type { ImageView } from "../environments/containers/routes.ts";
import { ApiClient, CliError } from "./client.ts";
import { uploadCode } from "./code-upload.ts";
import { ago, printJson, printTable } from "./output.ts";

// The container-image half of `plinth env`: build one from a Containerfile in this folder, list
// those on the server, remove one (Keepers).

const POLL_MS = 1000;

/** The images on the server; null when it runs no containers (not an error for a listing). */
export async function serverImages(client: ApiClient): Promise<ImageView[] | null> {
  const page = await client.request<{ items: ImageView[]; unavailable?: unknown }>("GET", "/api/v1/environments/images");
  return page.unavailable ? null : page.items;
}

export function printImages(images: ImageView[]): void {
  printTable(
    ["IMAGE", "ID", "SIZE", "CREATED", "BUILT BY PLINTH"],
    images.map((i) => [i.reference, i.id.slice(0, 12), i.sizeBytes === null ? "-" : formatBytes(i.sizeBytes), i.created ? ago(i.created) : "-", i.builtByPlinth ? "yes" : "-"]),
  );
}

/** Uploads this folder, has the server build its Containerfile, waits, and prints the image's name. */
export async function buildImage(containerfile: string, o: { detach?: boolean; json?: boolean }): Promise<void> {
  const client = ApiClient.fromEnvironment();
  const upload = await uploadCode(client, process.cwd());
  const started = await client.request<{ key: string; image: string; built: boolean }>("POST", "/api/v1/environments/images", { code: upload.bundle, containerfile });
  if (started.built || o.detach) {
    if (o.json) return printJson(started);
    process.stderr.write(started.built ? "already built from this folder\n" : `building; \`plinth env ls\` lists ${started.image} once it is built\n`);
    process.stdout.write(`${started.image}\n`);
    return;
  }
  process.stderr.write(`building ${started.image} from ${containerfile} (${upload.files} file${upload.files === 1 ? "" : "s"})…\n`);
  let image: ImageView;
  while (true) {
    try {
      image = await client.request<ImageView>("GET", `/api/v1/environments/images/${started.key}`);
      break;
    } catch (err) {
      if (err instanceof CliError && err.problem?.type.endsWith("/environment-building")) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        continue;
      }
      // The log says which instruction failed; it is shown before the error.
      const log = await buildLog(client, started.key);
      if (log) process.stderr.write(`${lastLines(log, 40)}\n`);
      throw err;
    }
  }
  if (o.json) return printJson(image);
  process.stderr.write(`built: ${image.id.slice(0, 12)}${image.sizeBytes !== null ? `, ${formatBytes(image.sizeBytes)}` : ""}; use it with environment: {image: ${image.reference}} or plinth run --image ${image.reference}\n`);
  process.stdout.write(`${image.reference}\n`);
}

async function buildLog(client: ApiClient, key: string): Promise<string | null> {
  try {
    const stream = await client.stream(`/api/v1/environments/images/${key}/log`);
    return await new Response(stream).text();
  } catch {
    return null;
  }
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

/** One image the server has (and the person may use): its names, id, digest, size and age. */
export async function showImage(client: ApiClient, reference: string, o: { json?: boolean }): Promise<void> {
  const images = (await serverImages(client)) ?? [];
  const bare = reference.replace(/^localhost\//, "");
  const found = images.find((i) => i.reference === reference || i.names.some((n) => n === reference || n === `localhost/${bare}` || n === `${bare}:latest` || n === `localhost/${bare}:latest`) || i.id.startsWith(reference));
  if (!found) throw new CliError(`No image ${reference} that you may use is on the server.`, "`plinth env ls` lists the images; `plinth env build --containerfile` builds one.");
  if (o.json) return printJson(found);
  const lines = [
    found.reference,
    `id:        ${found.id}`,
    `digest:    ${found.digest ?? "-"}`,
    `names:     ${found.names.join(", ") || "-"}`,
    `size:      ${found.sizeBytes === null ? "-" : formatBytes(found.sizeBytes)}`,
    `created:   ${found.created ? `${found.created} (${ago(found.created)})` : "-"}`,
    `built by:  ${found.builtByPlinth ? `plinth env build (${found.builtByPlinth.slice(0, 12)})` : "put on the server by a Keeper"}`,
    `use it:    environment: {image: ${found.reference}}   or   plinth run --image ${found.reference} -- …`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Removes an image by name or id (Keepers). */
export async function removeImage(client: ApiClient, reference: string): Promise<void> {
  const removed = await client.request<{ id: string }>("DELETE", `/api/v1/environments/images/${encodeURIComponent(reference)}`);
  process.stdout.write(`removed image ${reference} (${removed.id.slice(0, 12)})\n`);
}

/** Whether `rm`'s argument names an image rather than a Python environment's key. */
export function namesImage(arg: string): boolean {
  return !/^[0-9a-f]{1,64}$/.test(arg);
}

