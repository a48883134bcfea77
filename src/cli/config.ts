import type { Command } from "commander";
import { printJson } from "./output.ts";

// The schemas behind these commands are loaded when one of them runs.

export function registerConfig(program: Command): void {
  const config = program.command("config").description("Server configuration: its schema, variables and current values");
  config
    .command("schema")
    .description("Print the JSON Schema of plinth.yaml (server settings), or of a job spec with --job")
    .option("--job", "the job spec's schema instead (for editors validating job files)")
    .action(async (o: { job?: boolean }) => {
      if (o.job) {
        const [{ z }, { JobSpecSchema }] = await Promise.all([import("zod"), import("../jobs/spec.ts")]);
        printJson(z.toJSONSchema(JobSpecSchema, { io: "input", unrepresentable: "any" }));
      } else {
        const { configJsonSchema } = await import("../config/schema.ts");
        printJson(configJsonSchema());
      }
    });
  config
    .command("env")
    .description("List the PLINTH_* environment variables and the setting each one sets")
    .action(async () => {
      const { environmentVariables } = await import("../config/load.ts");
      for (const [name, leaf] of environmentVariables()) process.stdout.write(`${name.padEnd(44)} ${leaf.path.join(".")}\n`);
    });
  config
    .command("show")
    .description("Print the configuration `plinth up` would use here, after plinth.yaml and PLINTH_* variables")
    .option("-c, --config <file>", "configuration file")
    .action(async (o: { config?: string }) => {
      const { loadConfig } = await import("../config/load.ts");
      const { config: c } = loadConfig(o.config ? { file: o.config } : {});
      const safe = {
        ...c,
        database: { ...c.database, ...(c.database.url && { url: c.database.url.replace(/\/\/([^:@/]+):[^@/]+@/, "//$1:***@") }) },
        // Keys are never printed; their files are named.
        secrets: { ...c.secrets, ...(c.secrets.key && { key: "***" }), previousKeys: c.secrets.previousKeys.map(() => "***") },
        auth: { ...c.auth, ...(c.auth.oidc && { oidc: { ...c.auth.oidc, ...(c.auth.oidc.clientSecret && { clientSecret: "***" }) } }) },
        storage: { ...c.storage, ...(c.storage.s3?.credentials && { s3: { ...c.storage.s3, credentials: { ...c.storage.s3.credentials, secretAccessKey: "***" } } }) },
      };
      printJson(safe);
    });
}
