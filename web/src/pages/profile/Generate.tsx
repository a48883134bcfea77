import { Alert, Button, Code, Group, NumberInput, Paper, SegmentedControl, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { IconDownload, IconKey, IconRefresh } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { checkAlphabet, checkLength, entropyBits, LETTERS_AND_DIGITS, MAX_LENGTH, MIN_LENGTH, PASSWORD_DEFAULTS, randomText, TOKEN_DEFAULTS } from "../../../../src/identity/generators/random-text";
import { generateSshKeyPair, type SshKeyPair } from "../../../../src/identity/generators/ssh-keypair";
import { api, call } from "../../api/client";
import { sshKeysQuery } from "../../api/queries";
import { useMe } from "../../app/me";
import { CommandBlock } from "../../components/CommandBlock";
import { ProblemAlert } from "../../components/ProblemAlert";

// Credentials made in this browser: an ed25519 key pair, a token, a password. Nothing here is
// sent to the server, except a key pair's public half when you ask to add it to your account.

export function Generate() {
  return (
    <Stack gap="sm" component="section" aria-labelledby="generate-heading">
      <Title order={2} id="generate-heading">
        Generate
      </Title>
      <Text>
        Made in this browser and sent nowhere. The same generators run on your computer with <code>plinth gen ssh-key</code>, <code>plinth gen token</code> and{" "}
        <code>plinth gen password</code>.
      </Text>
      <KeyPairGenerator />
      <TextGenerator />
    </Stack>
  );
}

/** An object URL for a text, revoked when the text changes or the page goes. */
function useDownloadUrl(text: string | undefined): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (text === undefined) return setUrl(undefined);
    const made = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [text]);
  return url;
}

function KeyPairGenerator() {
  const me = useMe();
  const queryClient = useQueryClient();
  const [comment, setComment] = useState(`${me.name}@plinth`);
  const [pair, setPair] = useState<SshKeyPair>();
  const [failure, setFailure] = useState<string>();
  const privateUrl = useDownloadUrl(pair?.privateKey);
  const publicUrl = useDownloadUrl(pair ? `${pair.publicKey}\n` : undefined);
  // Only the public half is sent, and only when asked.
  const add = useMutation({
    mutationFn: (publicKey: string) => call(api.POST("/api/v1/ssh-keys", { body: { publicKey } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: sshKeysQuery.queryKey }),
  });
  // The browser makes keys only on https (or on this machine): a secure context.
  const supported = typeof crypto !== "undefined" && crypto.subtle !== undefined;
  const make = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(undefined);
    add.reset();
    try {
      setPair(await generateSshKeyPair(comment.trim()));
    } catch (err) {
      setPair(undefined);
      setFailure((err as Error).message);
    }
  };
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={3}>SSH key pair (ed25519)</Title>
        {!supported ? (
          <Alert color="yellow" variant="light" title="This page cannot make keys here">
            Browsers make keys only on a secure connection (an https address). Run <code>plinth gen ssh-key</code> on your computer instead.
          </Alert>
        ) : (
          <form onSubmit={(e) => void make(e)} aria-label="Generate an SSH key pair">
            <Group align="flex-end" wrap="wrap">
              <TextInput label="Comment" description="Shown beside the key, to tell your keys apart." value={comment} onChange={(e) => setComment(e.currentTarget.value)} w={{ base: "100%", xs: 280 }} />
              <Button type="submit" leftSection={<IconKey size={16} aria-hidden />} data-testid="generate-key-pair">
                {pair ? "Make another" : "Generate key pair"}
              </Button>
            </Group>
          </form>
        )}
        {failure && (
          <Alert color="red" variant="light" title="The browser could not make the key" role="alert">
            {failure} Run <code>plinth gen ssh-key</code> on your computer instead.
          </Alert>
        )}
        {pair && (
          <Stack gap="xs" data-testid="key-pair">
            <Text size="sm">
              Public key, fingerprint <Code>{pair.fingerprint}</Code>:
            </Text>
            <CommandBlock command={pair.publicKey} label="Copy public key" testId="generated-public-key" />
            <Text size="sm" fw={500}>
              Save both files in the <code>.ssh</code> folder of your home directory. The private key is for you alone: it is not kept here, so download it now.
            </Text>
            <Group wrap="wrap">
              <Button component="a" href={privateUrl} download="id_ed25519" variant="light" leftSection={<IconDownload size={16} aria-hidden />} data-testid="download-private-key">
                Private key (id_ed25519)
              </Button>
              <Button component="a" href={publicUrl} download="id_ed25519.pub" variant="light" leftSection={<IconDownload size={16} aria-hidden />} data-testid="download-public-key">
                Public key (id_ed25519.pub)
              </Button>
              <Button variant="default" loading={add.isPending} disabled={add.isSuccess} onClick={() => add.mutate(pair.publicKey)} data-testid="add-generated-key">
                {add.isSuccess ? "Added to your SSH keys" : "Add the public key to my SSH keys"}
              </Button>
            </Group>
            <Text size="sm">
              On Linux and macOS, make the private key readable by you alone: <code>chmod 600 ~/.ssh/id_ed25519</code>.
            </Text>
            {add.error && <ProblemAlert error={add.error} />}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

function TextGenerator() {
  const [kind, setKind] = useState<"token" | "password">("password");
  const [length, setLength] = useState<number | "">(PASSWORD_DEFAULTS.length);
  const [symbols, setSymbols] = useState(true);
  const [custom, setCustom] = useState("");
  const [result, setResult] = useState<{ text: string; bits: number }>();
  const alphabet = custom ? checkAlphabet(custom) : { alphabet: kind === "token" ? TOKEN_DEFAULTS.alphabet : symbols ? PASSWORD_DEFAULTS.alphabet : LETTERS_AND_DIGITS };
  const lengthError = length === "" ? "Give a length." : checkLength(length);
  const pick = (value: string) => {
    const next = value === "token" ? "token" : "password";
    setKind(next);
    setLength(next === "token" ? TOKEN_DEFAULTS.length : PASSWORD_DEFAULTS.length);
    setResult(undefined);
  };
  const make = (e: FormEvent) => {
    e.preventDefault();
    if (lengthError || "error" in alphabet || length === "") return;
    setResult({ text: randomText(length, alphabet.alphabet), bits: entropyBits(length, alphabet.alphabet) });
  };
  return (
    <Paper withBorder p="md">
      <form onSubmit={make} aria-label="Generate a token or password">
        <Stack gap="sm">
          <Title order={3}>Token or password</Title>
          <SegmentedControl
            value={kind}
            onChange={pick}
            data={[
              { value: "password", label: "Password" },
              { value: "token", label: "Token" },
            ]}
            w={{ base: "100%", xs: 280 }}
            aria-label="What to make"
          />
          <Group align="flex-start" wrap="wrap">
            <NumberInput
              label="Length"
              min={MIN_LENGTH}
              max={MAX_LENGTH}
              allowDecimal={false}
              value={length}
              onChange={(v) => setLength(v === "" ? "" : Number(v))}
              error={lengthError}
              w={{ base: "100%", xs: 140 }}
              data-testid="generate-length"
            />
            <TextInput
              label="Only these characters (optional)"
              placeholder={kind === "token" ? "letters and digits" : "letters, digits, symbols"}
              value={custom}
              onChange={(e) => setCustom(e.currentTarget.value)}
              error={"error" in alphabet ? alphabet.error : undefined}
              w={{ base: "100%", xs: 300 }}
              data-testid="generate-alphabet"
            />
          </Group>
          {kind === "password" && !custom && <Switch label="Include symbols" checked={symbols} onChange={(e) => setSymbols(e.currentTarget.checked)} />}
          <Group>
            <Button type="submit" leftSection={<IconRefresh size={16} aria-hidden />} data-testid="generate-text">
              Generate {kind}
            </Button>
          </Group>
          {result && (
            <Stack gap={4}>
              <CommandBlock command={result.text} label={`Copy ${kind}`} testId="generated-text" />
              <Text size="xs" c="dimmed">
                {result.bits} bits of randomness.
              </Text>
            </Stack>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
