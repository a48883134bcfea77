import { z } from "zod";
import { problems } from "../../../core/errors.ts";
import type { RouteRegistry } from "../../../http/routes.ts";
import type { WorkdirHandout } from "./workdir-handout.ts";

// The one route a Kubernetes job's pod calls: its init container fetches the job's folder as a
// tar. No user signs in there; the job's own key (WorkdirHandout) is the only credential. An
// unknown job and a wrong key get the same 404, so the route tells nothing of which jobs exist.

export function registerKubernetesWorkdirRoute(r: RouteRegistry, deps: { handout: WorkdirHandout }): void {
  r.add({
    method: "GET",
    url: "/api/v1/jobs/{id}/workdir.tar",
    summary: "A Kubernetes job's folder as a tar, for its pod (the job's own key in 'Authorization: Bearer', no user token)",
    tags: ["jobs"],
    access: "public",
    params: z.strictObject({ id: z.string().max(200) }),
    response: null,
    produces: "application/x-tar",
    handler: async ({ params, request, reply }) => {
      const header = request.headers.authorization ?? "";
      const key = /^Bearer ([0-9a-f]{64})$/.exec(header)?.[1];
      const notFound = problems.notFound("Job folder", params.id, "Only the job's own pod fetches its folder, with the key Plinth gave it.");
      if (!key || !/^[A-Za-z0-9_-]{1,128}$/.test(params.id) || !(await deps.handout.verify(params.id, key))) throw notFound;
      const stream = await deps.handout.tarStream(params.id).catch(() => {
        throw notFound;
      });
      reply.type("application/x-tar").header("cache-control", "no-store");
      reply.raw.on("close", () => stream.destroy());
      return reply.send(stream);
    },
  });
}
