import { Anchor, Button, Loader, PasswordInput, Stack, Text, TextInput, } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useContext, useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { api, call } from "../api/client";
import { ApiProblem, asProblem, fieldErrors, type Problem } from "../api/problem";
import { MeContext } from "../app/me";
import { ProblemAlert } from "../components/ProblemAlert";
import { SignedOutCard } from "../components/SignedOutCard";
import { formatTime } from "../lib/format";

/**
 * Joining with an invitation link (/join/<secret>): the invitee picks a user name (unless the
 * invitation fixes one), a display name, an email address and a password, and is signed in.
 */
export default function Join({ secret }: { secret: string }) {
  const me = useContext(MeContext);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const invitation = useQuery({ queryKey: ["invitation", secret], queryFn: () => call(api.POST("/api/v1/invitations/preview", { body: { secret } })), staleTime: Number.POSITIVE_INFINITY });
  const [name, setName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    document.title = "Join · Plinth";
  }, []);
  const fixed = invitation.data?.name ?? null;
  useEffect(() => {
    if (fixed) setName(fixed);
  }, [fixed]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== again) {
      setProblem({ type: "about:blank", title: "The two passwords differ", status: 0, hint: "Type the same password in both fields.", errors: [{ path: "body.again", message: "differs from the password above" }] });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const body = { secret, name: name.trim(), password, ...(displayName.trim() && { displayName: displayName.trim() }), ...(email.trim() && { email: email.trim() }) };
      await call(api.POST("/api/v1/invitations/accept", { body }));
      await queryClient.refetchQueries({ queryKey: ["me"] });
      navigate("/", { replace: true });
    } catch (err) {
      setProblem(err instanceof ApiProblem ? err.problem : asProblem(err));
    } finally {
      setBusy(false);
    }
  };

  const errors = fieldErrors(problem ?? undefined);
  return (
    <SignedOutCard title="Join Plinth" width={480}>
      {invitation.isPending && <Loader aria-label="Loading the invitation" mx="auto" />}
      {invitation.error && (
        <>
          <ProblemAlert error={invitation.error} />
          <Anchor href="/">Go to the sign-in page</Anchor>
        </>
      )}
      {invitation.data && (
        <form onSubmit={(e) => void submit(e)} noValidate data-loaded="join">
          <Stack gap="sm">
            <Text>
              {invitation.data.invitedBy} invited you to the team <b>{invitation.data.team}</b> as {invitation.data.role === "admin" ? "an admin" : `a ${invitation.data.role}`}. The link works once, until{" "}
              {formatTime(invitation.data.expiresAt)}.
            </Text>
            {me && (
              <Text size="sm" c="orange.8">
                You are signed in as {me.name} in this browser; joining signs you in as the new person instead.
              </Text>
            )}
            <TextInput
              label="User name"
              description={fixed ? "The invitation gives you this name." : "Lower-case letters, digits and . _ -, starting with a letter; it cannot be changed later."}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              readOnly={fixed !== null}
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              error={errors.name}
            />
            <TextInput label="Your name" description="As colleagues see it, e.g. Ada Lovelace." value={displayName} onChange={(e) => setDisplayName(e.currentTarget.value)} autoComplete="name" error={errors.displayName} />
            <TextInput label="Email" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} autoComplete="email" error={errors.email} />
            <PasswordInput
              label="Password"
              description="At least 10 characters, and not your user name."
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              autoComplete="new-password"
              error={errors.password}
            />
            <PasswordInput label="Password again" value={again} onChange={(e) => setAgain(e.currentTarget.value)} autoComplete="new-password" error={errors.again} />
            {problem && <ProblemAlert problem={problem} />}
            <Button type="submit" loading={busy} fullWidth>
              Join
            </Button>
          </Stack>
        </form>
      )}
    </SignedOutCard>
  );
}
