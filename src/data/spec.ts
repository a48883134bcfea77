import { z } from "zod";
import { VISIBILITIES } from "../identity/policy.ts";
import { ExpectationsSchema } from "./expectation-spec.ts";
import { DATASET_NAME } from "./refs.ts";
import { COLUMN_TYPES } from "./tabular/types.ts";

// Datasets, versions and transfers as the API, the CLI and the portal see them.

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 hex digest (64 lower-case hex digits)");
export const DatasetNameSchema = z
  .string()
  .regex(DATASET_NAME, "dataset names are lower-case letters, digits and . _ - (at most 128), starting with a letter or digit")
  .meta({ description: "The dataset's name, unique in its team." });
const VisibilitySchema = z
  .enum(VISIBILITIES)
  .meta({ description: "Who may read it: `private` the owner and the team's admins, `team` everyone in its team, `public` everyone signed in." });

const MAX_PATH = 1024;

/** Why a file path in a dataset is refused, or null when it is fine: relative, no `..`, no control characters. */
export function filePathProblem(path: string): string | null {
  if (path.length === 0) return "is empty";
  if (path.length > MAX_PATH) return `is longer than ${MAX_PATH} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(path)) return "contains a control character";
  if (path.includes("\\")) return "contains a backslash; use / between folders";
  if (path.startsWith("/")) return "is absolute; give it relative to the dataset's folder";
  const parts = path.split("/");
  if (parts.some((p) => p === "")) return "has an empty folder name (// or a trailing /)";
  if (parts.some((p) => p === "." || p === "..")) return "contains '.' or '..'";
  return null;
}

export const FilePathSchema = z
  .string()
  .superRefine((path, ctx) => {
    const why = filePathProblem(path);
    if (why) ctx.addIssue({ code: "custom", message: `'${path.slice(0, 100)}' ${why}` });
  })
  .meta({ description: "The file's path inside the dataset, with / between folders." });

export const ColumnProfileSchema = z.object({ name: z.string(), type: z.enum(COLUMN_TYPES), nulls: z.number().int() });
export const TableProfileSchema = z
  .object({ format: z.enum(["csv", "tsv", "parquet"]), rows: z.number().int(), columns: z.array(ColumnProfileSchema) })
  .meta({ id: "TableProfile", description: "What a CSV, TSV or Parquet file holds: columns with their types and empty cells, and rows." });

export const ManifestFileSchema = z.strictObject({
  path: FilePathSchema,
  sha256: Sha256Schema,
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type ManifestFile = z.output<typeof ManifestFileSchema>;

export const DatasetFileSchema = z
  .object({ path: z.string(), sha256: z.string(), size: z.number().int(), profile: TableProfileSchema.nullable() })
  .meta({ id: "DatasetFile", description: "One file of a version; `profile` for tables (CSV, TSV, Parquet), null for other files." });
export type DatasetFile = z.infer<typeof DatasetFileSchema>;

export const DatasetSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    team: z.string().meta({ description: "The team's name." }),
    teamId: z.string(),
    owner: z.string().meta({ description: "Who made the dataset (a user name)." }),
    visibility: VisibilitySchema,
    description: z.string(),
    latest: z
      .object({ number: z.number().int(), fileCount: z.number().int(), totalBytes: z.number().int(), createdAt: z.string() })
      .nullable()
      .meta({ description: "The newest version, or null while there is none." }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Dataset", description: "A named, versioned set of files in a team." });
export type Dataset = z.infer<typeof DatasetSchema>;

export const DatasetVersionSchema = z
  .object({
    id: z.string(),
    number: z.number().int().meta({ description: "1, 2, 3… within the dataset: `name@v3`." }),
    digest: z.string().meta({ description: "`sha256:` of the canonical manifest: the same files always give the same digest." }),
    fileCount: z.number().int(),
    totalBytes: z.number().int(),
    message: z.string(),
    createdBy: z.string().meta({ description: "Who pushed it (a user name)." }),
    createdAt: z.string(),
    aliases: z.array(z.string()).meta({ description: "The aliases that point at it (latest, prod, tags)." }),
    producedByJobId: z.string().nullable().meta({ description: "The job whose output this version is, if one made it." }),
  })
  .meta({ id: "DatasetVersion", description: "An immutable version of a dataset: a manifest of files." });
export type DatasetVersion = z.infer<typeof DatasetVersionSchema>;

export const DatasetDetailSchema = DatasetSchema.extend({
  versions: z.array(DatasetVersionSchema).meta({ description: "Newest first, at most 100." }),
  aliases: z.record(z.string(), z.number().int()).meta({ description: "Alias → version number." }),
  expectations: ExpectationsSchema.nullable().meta({ description: "Rules every new version's tables must meet, or null." }),
}).meta({ id: "DatasetDetail" });
export type DatasetDetail = z.infer<typeof DatasetDetailSchema>;

const JobLinkSchema = z.object({ jobId: z.string(), jobName: z.string().nullable() });

export const DatasetVersionDetailSchema = DatasetVersionSchema.extend({
  dataset: z.string(),
  team: z.string(),
  files: z.array(DatasetFileSchema).meta({ description: "Sorted by path." }),
  producedBy: JobLinkSchema.nullable().meta({ description: "The job that wrote this version as an output (when you may see it)." }),
  readBy: z.array(JobLinkSchema.extend({ input: z.string() })).meta({ description: "Jobs that read this version as an input (the ones you may see)." }),
}).meta({ id: "DatasetVersionDetail" });
export type DatasetVersionDetail = z.infer<typeof DatasetVersionDetailSchema>;

export const DatasetListSchema = z.object({ items: z.array(DatasetSchema), next: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last." }) });

export const PushVersionSchema = z
  .strictObject({
    files: z.array(ManifestFileSchema).max(1_000_000),
    message: z.string().max(2000).optional().meta({ description: "What changed, in a sentence." }),
    tags: z.array(z.string()).max(20).optional().meta({ description: "Aliases to point at the new version (`prod`, `candidate`)." }),
    visibility: VisibilitySchema.optional().meta({ description: "For a new dataset: who may read it (default `team`). Ignored for an existing one; change it with PATCH." }),
    description: z.string().max(5000).optional().meta({ description: "For a new dataset: a description." }),
  })
  .meta({ id: "PushVersion", description: "The files of a new version; blobs the server lacks are listed in `missing` and must be uploaded first." });
export type PushVersion = z.output<typeof PushVersionSchema>;

export const PushResultSchema = z
  .object({
    version: DatasetVersionSchema.nullable().meta({ description: "The version, once every blob is present; null while some are missing." }),
    missing: z.array(z.string()).meta({ description: "Blobs to upload (PUT /api/v1/data/blobs/{sha256}, or a resumable upload) before pushing again." }),
    created: z.boolean().meta({ description: "False when nothing changed since the latest version (it is answered)." }),
  })
  .meta({ id: "PushResult" });
export type PushResult = z.infer<typeof PushResultSchema>;

export const PatchDatasetSchema = z
  .strictObject({
    description: z.string().max(5000).optional(),
    visibility: VisibilitySchema.optional(),
    expectations: ExpectationsSchema.nullable().optional().meta({ description: "Rules each new version must meet; null removes them." }),
  })
  .refine((b) => b.description !== undefined || b.visibility !== undefined || b.expectations !== undefined, { message: "give at least one of description, visibility and expectations" })
  .meta({ id: "PatchDataset" });
export type PatchDataset = z.output<typeof PatchDatasetSchema>;

export const SetAliasSchema = z
  .strictObject({ version: z.union([z.number().int().min(1), z.string().min(1).max(80)]).meta({ description: "A version: 3, `v3`, another alias, or `sha256:<hex>`." }) })
  .meta({ id: "SetAlias" });

export const DiffSchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    added: z.array(DatasetFileSchema),
    removed: z.array(DatasetFileSchema),
    changed: z.array(z.object({ path: z.string(), from: DatasetFileSchema, to: DatasetFileSchema })),
  })
  .meta({ id: "DatasetDiff", description: "Files added, removed and changed from one version to another (by path and content)." });
export type Diff = z.infer<typeof DiffSchema>;

export const PreviewSchema = z
  .object({
    path: z.string(),
    columns: z.array(z.object({ name: z.string(), type: z.enum(COLUMN_TYPES) })),
    rows: z.array(z.array(z.unknown())),
    profile: TableProfileSchema.nullable(),
  })
  .meta({ id: "TablePreview", description: "The first rows of a table, values as JSON." });

export const PresignSchema = z
  .strictObject({
    path: FilePathSchema,
    expiresIn: z.string().max(20).optional().meta({ description: "How long the link works: `15m`, `1h` (default: storage.presignExpiry), at most `7d`." }),
  })
  .meta({ id: "PresignRequest" });
export const PresignedSchema = z.object({ url: z.string(), expiresAt: z.string() }).meta({ id: "PresignedUrl" });

export const BlobsMissingSchema = z.strictObject({ sha256: z.array(Sha256Schema).max(100_000) });
export const BlobPutSchema = z.object({ sha256: z.string(), size: z.number().int(), created: z.boolean().meta({ description: "False when the store already held these bytes." }) }).meta({ id: "BlobStored" });

export const StartUploadSchema = z
  .strictObject({
    sha256: Sha256Schema,
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    team: z.string().min(1).max(64).optional().meta({ description: "The team whose byte quota the file counts against; default: your primary team." }),
    partSize: z
      .number()
      .int()
      .min(5 * 1024 ** 2)
      .max(5 * 1024 ** 3)
      .optional()
      .meta({ description: "Bytes per part (5 MiB to 5 GiB; default 64 MiB, more for files over 640 GiB: at most 10,000 parts)." }),
  })
  .meta({ id: "StartUpload" });
export const UploadSessionSchema = z
  .object({
    id: z.string(),
    sha256: z.string(),
    size: z.number().int(),
    partSize: z.number().int().meta({ description: "Every part but the last has this many bytes." }),
    partCount: z.number().int(),
    parts: z.array(z.object({ number: z.number().int(), size: z.number().int() })).meta({ description: "Parts already received: send only the others." }),
    expiresAt: z.string(),
  })
  .meta({ id: "UploadSession", description: "A resumable upload of one file, sent in parts in any order." });
export type UploadSession = z.infer<typeof UploadSessionSchema>;

export const GcResultSchema = z.object({ deletedBlobs: z.number().int(), freedBytes: z.number().int(), expiredUploads: z.number().int() }).meta({ id: "DataGcResult" });
export type GcResult = z.infer<typeof GcResultSchema>;
