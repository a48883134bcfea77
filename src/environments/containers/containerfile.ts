import { ProblemError } from "../../core/errors.ts";

// What Plinth builds from a member's Containerfile. The build runs on the server, so the
// instructions that would reach past the build's own folder are refused before podman sees
// them: RUN options (--mount can name host folders or caches outside the context, --network
// the host's network) and ADD from a URL (a fetch from inside the server's network). FROM
// must name an image already on the machine: Plinth pulls nothing.

export const MAX_CONTAINERFILE = 1024 * 1024;

/** The Containerfile's instructions, continuation lines joined, comments dropped. */
export function instructions(text: string): Array<{ line: number; instruction: string; rest: string }> {
  const out: Array<{ line: number; instruction: string; rest: string }> = [];
  let pending = "";
  let start = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (pending === "") {
      start = i + 1;
      if (/^\s*#/.test(raw)) return;
    }
    const continued = /\\\s*$/.test(raw);
    pending += `${continued ? raw.replace(/\\\s*$/, "") : raw} `;
    if (continued) return;
    const joined = pending.trim();
    pending = "";
    if (joined === "") return;
    const m = /^(\S+)\s*(.*)$/.exec(joined)!;
    out.push({ line: start, instruction: m[1]!.toUpperCase(), rest: m[2]! });
  });
  return out;
}

/** Throws a problem naming the first instruction Plinth will not build. */
export function checkContainerfile(text: string, path: string): void {
  const list = instructions(text);
  if (!list.some((i) => i.instruction === "FROM")) throw refused(path, 1, "it has no FROM line", "Start it with FROM and an image on the server, e.g. FROM localhost/plinth-env:… (`plinth env ls` lists them).");
  for (const { line, instruction, rest } of list) {
    if (instruction === "RUN" && /^--\S+/.test(rest)) {
      const option = /^--[a-z-]+/i.exec(rest)?.[0] ?? "an option";
      throw refused(path, line, `RUN ${option} is not accepted: a build may use only its own folder and the image`, "Drop the option: COPY files from the folder instead of mounting them.");
    }
    if (instruction === "ADD" && /(^|\s)([a-z][a-z0-9+.-]*:\/\/|git@)/i.test(rest)) {
      throw refused(path, line, "ADD from a URL is not accepted: the server fetches nothing for a build", "Download the file into the folder first and COPY it.");
    }
  }
}

function refused(path: string, line: number, why: string, hint: string): ProblemError {
  return new ProblemError({ status: 422, title: "Containerfile not accepted", code: "containerfile-refused", detail: `${path} line ${line}: ${why}.`, hint, errors: [{ path: "containerfile", message: `line ${line}: ${why}` }] });
}
