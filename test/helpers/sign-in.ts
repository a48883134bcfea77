// Talking to Plinth as the portal does after a password or invitation sign-in: with the
// session cookie and the CSRF header, never a token.

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text && /json/.test(res.headers.get("content-type") ?? "") ? JSON.parse(text) : text, headers: res.headers };
}

/** POSTs JSON the way the portal does (CSRF header, no token); returns the answer and the session cookie it set. */
export async function portalPost(url: string, path: string, body: unknown, opts: { csrf?: boolean } = {}): Promise<Answer & { cookie: string | null }> {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(opts.csrf !== false && { "x-plinth-csrf": "1" }) },
    body: JSON.stringify(body),
  });
  const secret = /plinth_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  return { ...(await answer(res)), cookie: secret ? `plinth_session=${secret}` : null };
}

export function passwordSignIn(url: string, name: string, password: string) {
  return portalPost(url, "/api/v1/sessions/password", { name, password });
}

/** Requests signed in by a session cookie, as the portal makes them. */
export function withCookie(url: string, cookie: string) {
  return async (method: string, path: string, body?: unknown): Promise<Answer> =>
    answer(
      await fetch(url + path, {
        method,
        headers: { cookie, "x-plinth-csrf": "1", ...(body !== undefined && { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
}

/** Signs in to the portal with an API token, as its sign-in page does; returns the session cookie. */
export async function tokenSignIn(url: string, token: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  const secret = /plinth_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  if (res.status !== 201 || !secret) throw new Error(`signing in with a token answered ${res.status}: ${await res.text()}`);
  return `plinth_session=${secret}`;
}
