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

export interface LoadedCredentials extends Partial<Credentials> {
  /** Where the server address came from, in words, for messages about that address. */
  urlSource?: string;
}

export function loadCredentials(env = process.env): LoadedCredentials {
  let saved: Partial<Credentials> = {};
  try {
    saved = JSON.parse(readFileSync(credentialsPath(env), "utf8"));
  } catch {
    // Not logged in yet.
  }
  const url = env.PLINTH_URL || saved.url;
  return {
    url,
    token: env.PLINTH_TOKEN || saved.token,
    ...(url && { urlSource: env.PLINTH_URL ? "from PLINTH_URL" : `saved in ${credentialsPath(env)} by \`plinth login\`` }),
  };
}
