import { z } from "zod";
import { EnvironmentSpecSchema, requirementLineProblem } from "../spec.ts";
import { BuildEnvironmentSchema } from "../view.ts";

// Named team environments from outside: the name and `name@version` a job spec gives, what a
// Keeper or team admin publishes, and how one looks in the API, the CLI and the portal.

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const NAME_MESSAGE = "a name of lowercase letters, digits and - . _ (starting with a letter or digit, at most 63), e.g. pytorch or r-4.4";

export const NamedEnvironmentNameSchema = z.string().regex(NAME, NAME_MESSAGE).meta({ description: "The environment's name in its team, e.g. pytorch." });

/** `pytorch` (its latest version) or `pytorch@3`, as a job spec's `environment`. */
export const NamedEnvironmentRefSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}(@[1-9][0-9]{0,8})?$/, `${NAME_MESSAGE}, optionally with @ and a version number: pytorch or pytorch@3`)
  .meta({ id: "NamedEnvironmentRef", description: "A named environment of the job's team: `pytorch` for its latest version, `pytorch@3` for version 3 (`plinth env named ls` lists them)." });

export interface NamedRef {
  name: string;
  /** null: the latest. */
  version: number | null;
}

export function parseNamedRef(ref: string): NamedRef {
  const at = ref.indexOf("@");
  return at < 0 ? { name: ref, version: null } : { name: ref.slice(0, at), version: Number(ref.slice(at + 1)) };
}

/** Which named version a job uses, as kept with the job. */
export interface NamedVersion {
  /** The name's id, so a use is counted for this name even if another of that name comes later. */
  id: string;
  name: string;
  version: number;
}

export const PublishEnvironmentSchema = z
  .strictObject({
    team: z.string().min(1).max(64).optional().meta({ description: "The team it is published in; left out: the one team you administer (your primary team first)." }),
    description: z.string().max(2000).optional().meta({ description: "What it is for; kept from the last version when left out." }),
    python: BuildEnvironmentSchema.shape.python,
    packages: BuildEnvironmentSchema.shape.packages.optional(),
    image: EnvironmentSpecSchema.shape.image.meta({ description: "A container image on the server instead of Python packages (e.g. for r-4.4): pinned to its id when published." }),
  })
  .superRefine((body, ctx) => {
    if ((body.image === undefined) === (body.packages === undefined)) {
      ctx.addIssue({ code: "custom", path: ["packages"], message: "give the packages (and optionally python), or an image, not both" });
    }
    if (body.image !== undefined && body.python !== undefined) ctx.addIssue({ code: "custom", path: ["python"], message: "an image brings its own Python" });
    (body.packages ?? []).forEach((line, i) => {
      const problem = requirementLineProblem(line);
      if (problem) ctx.addIssue({ code: "custom", path: ["packages", i], message: problem });
    });
  })
  .meta({ id: "PublishEnvironment", description: "A new version of a named environment: its Python and packages, or a container image, pinned when published." });

export const DescribeEnvironmentSchema = z.strictObject({ description: z.string().max(2000) }).meta({ id: "DescribeEnvironment" });

export const NamedTeamQuery = z.strictObject({
  team: z.string().min(1).max(64).optional().meta({ description: "The team; left out: found among your teams (your primary team first)." }),
});

export const NamedEnvironmentVersionSchema = z
  .object({
    version: z.number().int(),
    python: z.string().nullable().meta({ description: "The Python asked for, or null for the system python3." }),
    packages: z.array(z.string()).meta({ description: "The packages as published, e.g. torch or numpy>=2 (none for an image)." }),
    pinned: z.object({
      key: z.string().meta({ description: "The environment's key (see /api/v1/environments); for an image, its id." }),
      python: z.string().nullable().meta({ description: "The full Python version it was pinned for; null for an image." }),
      packages: z.array(z.string()).meta({ description: "Every package pinned, as name==version." }),
      image: z.object({ reference: z.string(), id: z.string(), digest: z.string().nullable() }).nullable().meta({ description: "The container image it was pinned to, for an image version." }),
    }),
    publishedBy: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: "NamedEnvironmentVersion" });
export type NamedEnvironmentVersionView = z.infer<typeof NamedEnvironmentVersionSchema>;

export const NamedEnvironmentSchema = z
  .object({
    name: z.string(),
    team: z.string(),
    teamId: z.string(),
    description: z.string(),
    owner: z.string().meta({ description: "Who published its first version." }),
    latest: NamedEnvironmentVersionSchema,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "NamedEnvironment", description: "An environment a team publishes by name; `environment: NAME` in a job spec uses its latest version." });
export type NamedEnvironmentView = z.infer<typeof NamedEnvironmentSchema>;

export const NamedEnvironmentDetailSchema = NamedEnvironmentSchema.extend({
  versions: z.array(NamedEnvironmentVersionSchema).meta({ description: "Every version, newest first." }),
  recentJobs: z
    .array(z.object({ id: z.string(), name: z.string(), version: z.number().int(), submittedAt: z.string() }))
    .meta({ description: "The latest jobs submitted with it that you may see, newest first, with the version each used." }),
}).meta({ id: "NamedEnvironmentDetail" });
export type NamedEnvironmentDetailView = z.infer<typeof NamedEnvironmentDetailSchema>;
