import { mkdirSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

// Where `plinth login` keeps the server URL and token: the user's config directory, readable
// by the user alone. PLINTH_URL and PLINTH_TOKEN override it (CI, scripts).

export interface Credentials {
  url: string;
  token: string;
}

export function credentialsPath(env = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "plinth", "credentials.json");
}

export function saveCredentials(creds: Credentials, env = process.env): string {
  const path = credentialsPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

export function loadCredentials(env = process.env): Partial<Credentials> {
  let saved: Partial<Credentials> = {};
  try {
    saved = JSON.parse(readFileSync(credentialsPath(env), "utf8"));
  } catch {
    // Not logged in yet.
  }
  return {
    url: env.PLINTH_URL || saved.url,
    token: env.PLINTH_TOKEN || saved.token,
  };
}
