import { z } from "zod";
import { IMAGE_REFERENCE } from "./containers/images.ts";

// The environment part of a job spec: which Python, and which packages from the index.
//
//   environment: { python: "3.12", requirements: requirements.txt }
//   environment: { packages: ["numpy==2.1.*", "pandas"] }
//   environment: { project: "." }            # pyproject.toml + uv.lock in the job's code
//   environment: { python: /opt/conda/envs/x/bin/python }   # that interpreter, as it is
//   environment: { image: localhost/plinth-env:3f2a9c1d0b7e } # a container image (podman)
//
// Requirement lines name packages only: options (-r, -e, --index-url…), local paths and
// VCS or file URLs are refused, since the index is the Keeper's choice and Plinth builds on
// this machine's disk as its own user.

const PYTHON_VERSION = /^3\.\d{1,2}(\.\d{1,3})?$/;

/** A path inside the job's code folder: relative, no `..`, no NUL. */
const codePath = (what: string) =>
  z
    .string()
    .min(1)
    .max(1024)
    .refine((v) => !v.startsWith("/") && !v.includes("\0") && !v.split("/").includes(".."), {
      message: `${what} is a path relative to the job's code folder, without '..'`,
    });

export const EnvironmentSpecSchema = z
  .strictObject({
    python: z
      .string()
      .max(1024)
      .refine((v) => PYTHON_VERSION.test(v) || (v.startsWith("/") && !v.includes("\0")), {
        message: 'a Python version such as "3.12", or the absolute path of an interpreter such as /opt/conda/envs/x/bin/python',
      })
      .optional()
      .meta({ description: 'The Python: a version such as "3.12" (one installed on the machine), or the absolute path of an interpreter. Unset: the system python3.' }),
    requirements: codePath("requirements")
      .optional()
      .meta({ description: "A requirements file in the job's code folder, e.g. requirements.txt: one package per line, as pip reads it." }),
    packages: z
      .array(z.string().min(1).max(1000))
      .max(500)
      .optional()
      .meta({ description: 'Packages, one requirement each: ["numpy==2.1.*", "pandas>=2"].' }),
    project: codePath("project")
      .optional()
      .meta({ description: 'A uv project folder in the job\'s code ("." for the code folder itself) with pyproject.toml and uv.lock: the packages its lock file pins.' }),
    image: z
      .string()
      .regex(IMAGE_REFERENCE, "an image name such as localhost/plinth-env:3f2a9c1d0b7e or registry.example.org/team/pytorch:2.4")
      .optional()
      .meta({ description: "A container image on the server (podman), e.g. localhost/plinth-env:3f2a9c1d0b7e from `plinth env build --containerfile`: the job runs in it, with its folder, inputs and GPUs mounted. Pinned at submit to the image's id." }),
  })
  .superRefine((spec, ctx) => {
    if (spec.image !== undefined && Object.keys(spec).some((k) => k !== "image")) {
      ctx.addIssue({ code: "custom", path: ["image"], message: "an image brings its own software: give `image` alone, or Python and packages without it" });
    }
    if (spec.project !== undefined && (spec.requirements !== undefined || spec.packages !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["project"], message: "a project's packages come from its uv.lock; give `project`, or `requirements`/`packages`, not both" });
    }
    spec.packages?.forEach((line, i) => {
      const problem = requirementLineProblem(line);
      if (problem) ctx.addIssue({ code: "custom", path: ["packages", i], message: problem });
    });
  })
  .meta({ id: "EnvironmentSpec", description: "The Python environment the job runs in, built once by Plinth and shared by every job that asks for the same packages." });

export type EnvironmentSpec = z.output<typeof EnvironmentSpecSchema>;

/** Whether the spec names any packages (else the job runs with the interpreter as it is). */
export function namesPackages(spec: EnvironmentSpec): boolean {
  if (spec.image !== undefined) return false;
  return spec.requirements !== undefined || spec.project !== undefined || (spec.packages?.length ?? 0) > 0;
}

/** Why a requirement line cannot be used, or null when it names a package from the index. */
export function requirementLineProblem(line: string): string | null {
  const text = line.trim();
  if (text === "") return "an empty requirement";
  if (/[\r\n]/.test(text)) return "one requirement per entry (no line breaks)";
  if (text.startsWith("-")) {
    const option = text.split(/[\s=]/, 1)[0];
    return option === "-r" || option === "--requirement" || option === "-c" || option === "--constraint"
      ? `${option} is not followed: list the packages of that file here instead`
      : option === "-e" || option === "--editable"
        ? "editable installs are not supported: environments are built once and shared read-only"
        : `the option ${option} is not accepted: the package index and its options are set by the Plinth server's Keeper`;
  }
  if (/^(\.|\/|~)/.test(text)) return `${text} is a local path: only packages from the package index can be installed`;
  // A direct reference (`name @ URL or path`) would have the server fetch or read whatever a
  // member names, inside the network and on the disk it sits on.
  const reference = /@\s*(\S+)/.exec(text.split(";")[0]!)?.[1] ?? /^[a-z][a-z0-9+.-]*:\/\/\S*/i.exec(text)?.[0];
  if (reference !== undefined) return `${reference} is a direct reference: only packages from the package index can be installed (a Keeper can point environments.indexUrl at another index, such as a mirror that holds this package)`;
  if (!/^[A-Za-z0-9]/.test(text)) return `${text} is not a requirement: write a package name, e.g. numpy==2.1.3`;
  return null;
}

export interface RequirementLine {
  text: string;
  /** 1-based line in the file it came from. */
  line: number;
}

/**
 * The requirement lines of a requirements file: comments and blank lines dropped, `\`
 * continuations joined, `--hash` options (from pip-compile) dropped, since Plinth pins and
 * checks packages itself.
 */
export function requirementLines(text: string): RequirementLine[] {
  const lines: RequirementLine[] = [];
  let pending = "";
  let startLine = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (pending === "") startLine = i + 1;
    const withoutComment = raw.replace(/(^|\s)#.*$/, "");
    const continued = withoutComment.trimEnd().endsWith("\\");
    pending += `${continued ? withoutComment.trimEnd().slice(0, -1) : withoutComment} `;
    if (continued) return;
    const joined = pending
      .replace(/\s--hash[=\s]\S+/g, " ")
      .replace(/\s+/g, " ")
      .trim();
    pending = "";
    if (joined !== "") lines.push({ text: joined, line: startLine });
  });
  return lines;
}
