import { Anchor, Button, Code, PasswordInput, Stack, Text, TextInput, } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { api, call } from "../api/client";
import { ApiProblem, asProblem, type Problem } from "../api/problem";
import { ProblemAlert } from "../components/ProblemAlert";
import { SignedOutCard } from "../components/SignedOutCard";

type Via = "password" | "token" | "sso";

/**
 * What the single sign-on callback sent back when it failed: a problem in the URL's fragment.
 * Read once per page load and kept here, because the sign-in page may be shown more than once
 * while the portal finds out who is signed in; the fragment is removed so a reload does not
 * show it again.
 */
let ssoProblem: Problem | null | undefined;
function takeSsoProblem(): Problem | null {
  if (ssoProblem !== undefined) return ssoProblem;
  ssoProblem = null;
  const m = /^#sso-problem=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!m) return null;
  window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
  try {
    const json = atob(m[1]!.replace(/-/g, "+").replace(/_/g, "/"));
    const problem = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Problem;
    if (typeof problem.title === "string") ssoProblem = { ...problem, type: problem.type ?? "about:blank" };
  } catch {
    // Not one of ours: nothing to show.
  }
  return ssoProblem;
}

/**
 * Sign-in: single sign-on when the server has it, a user name and password, or an API token.
 * Each ends in the same session cookie.
 */
export function SignIn() {
  const queryClient = useQueryClient();
  const methods = useQuery({ queryKey: ["sign-in-methods"], queryFn: () => call(api.GET("/api/v1/auth/methods")), staleTime: 60_000 });
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState<Via | null>(null);
  const [problem, setProblem] = useState<{ via: Via; problem: Problem } | null>(() => {
    const sso = takeSsoProblem();
    return sso ? { via: "sso", problem: sso } : null;
  });
  useEffect(() => {
    document.title = "Sign in · Plinth";
  }, []);

  const attempt = async (via: Via, request: () => Promise<unknown>) => {
    setBusy(via);
    setProblem(null);
    ssoProblem = null;
    try {
      await request();
      await queryClient.refetchQueries({ queryKey: ["me"] });
    } catch (err) {
      setProblem({ via, problem: err instanceof ApiProblem ? err.problem : asProblem(err) });
    } finally {
      setBusy(null);
    }
  };

  const withPassword = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || !password) {
      setProblem({ via: "password", problem: { type: "about:blank", title: "Type your user name and password", status: 0, hint: "Forgotten your password? A Keeper can set a new one." } });
      return;
    }
    void attempt("password", () => call(api.POST("/api/v1/sessions/password", { body: { name: name.trim(), password } })));
  };

  const withToken = (e: FormEvent) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setProblem({ via: "token", problem: { type: "about:blank", title: "Paste your token first", status: 0, hint: "It is the line starting with plt_ that `plinth up` printed, or one a colleague created for you." } });
      return;
    }
    void attempt("token", () => call(api.POST("/api/v1/sessions", { headers: { authorization: `Bearer ${value}` } })));
  };

  const sso = methods.data?.sso;
  const returnTo = window.location.pathname + window.location.search;
  const errorOn = (via: Via) => (problem?.via === via ? problem.problem.title : undefined);

  return (
    <SignedOutCard title="Sign in to Plinth">
      {sso && (
        <>
          <Button component="a" href={`${sso.url}?returnTo=${encodeURIComponent(returnTo)}`} fullWidth size="md" data-testid="sso-sign-in">
            Sign in with {sso.name}
          </Button>
          <Text size="sm" c="dimmed" ta="center">
            or with your user name and password
          </Text>
        </>
      )}
      <form onSubmit={withPassword} noValidate>
        <Stack gap="sm">
          <TextInput label="User name" autoComplete="username" value={name} onChange={(e) => setName(e.currentTarget.value)} autoCapitalize="none" spellCheck={false} />
          <PasswordInput label="Password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={errorOn("password")} />
          <Button type="submit" loading={busy === "password"} fullWidth variant={sso ? "default" : "filled"}>
            Sign in
          </Button>
        </Stack>
      </form>
      <form onSubmit={withToken} noValidate>
        <Stack gap="sm">
          <Text size="sm">
            Or paste an API token. When Plinth was started, <Code>plinth up</Code> printed one; a colleague can also make one for you on their Tokens page.
          </Text>
          <PasswordInput label="API token" placeholder="plt_…" autoComplete="off" value={token} onChange={(e) => setToken(e.currentTarget.value)} error={errorOn("token")} />
          <Button type="submit" loading={busy === "token"} fullWidth variant="default">
            Sign in with token
          </Button>
        </Stack>
      </form>
      {problem && <ProblemAlert problem={problem.problem} />}
      <Text size="xs" c="dimmed">
        You stay signed in on this browser for 30 days, until you sign out. Neither your password nor a token is kept by the browser.{" "}
        <Anchor href="/api/v1/openapi.json" size="xs">
          API reference
        </Anchor>
      </Text>
    </SignedOutCard>
  );
}
