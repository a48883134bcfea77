import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateToken } from "../../src/identity/tokens.ts";
import { LogMasker, LogMasks } from "../../src/jobs/log-mask.ts";

async function collect(gen: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const b of gen) parts.push(b);
  return Buffer.concat(parts).toString("utf8");
}

async function* chunksOf(text: string, cuts: number[]): AsyncGenerator<Buffer> {
  const data = Buffer.from(text, "utf8");
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= at || cut >= data.length) continue;
    yield data.subarray(at, cut);
    at = cut;
  }
  yield data.subarray(at);
}

describe("log masking", () => {
  const secret = "s3cr3t-VALUE-0123456789";
  const masker = new LogMasker([secret, "ab"]);

  it("masks each byte of a value, keeping the log's length, and leaves short values alone", () => {
    const out = masker.maskText(`key=${secret} and ab\n`);
    expect(out).toBe(`key=${"*".repeat(secret.length)} and ab\n`);
  });

  it("masks a value split across chunks, wherever the chunks break", async () => {
    const text = `start ${secret}${secret} middle ${secret.slice(0, 5)} end ${secret}`;
    const whole = masker.maskText(text);
    expect(whole).not.toContain(secret.slice(0, 6));
    for (let cut = 1; cut < text.length; cut++) expect(await collect(masker.maskStream(chunksOf(text, [cut, cut + 3])))).toBe(whole);
  });

  it("holds back only what could begin a value, so a followed log shows each line at once", () => {
    expect(masker.held(Buffer.from("epoch 5 done\n"))).toBe(0);
    expect(masker.held(Buffer.from("printing s3cr"))).toBe(4);
  });

  it("masks a part of the log that starts or ends inside a value, given the context around it", async () => {
    const text = `0123${secret}tail`;
    // The part asked for starts in the middle of the value; the reader gives `reach` bytes before it.
    const from = 4 + 7;
    const readStart = Math.max(0, from - masker.reach);
    const data = Buffer.from(text).subarray(readStart);
    const part = await collect(masker.maskStream(chunksOf(data.toString(), [3]), from - readStart, 6));
    expect(part).toBe("******");
  });

  it("masks anything shaped like a Plinth token, wherever the chunks break, and nothing short of one", async () => {
    const tokens = [generateToken(), generateToken()];
    const plain = new LogMasker([]);
    const text = `env: MLFLOW_TRACKING_TOKEN=${tokens[0]}\nPLINTH_TOKEN="${tokens[1]}"\nplt_ short plt_${"a".repeat(42)}!\n`;
    const whole = plain.maskText(text);
    expect(whole).toBe(`env: MLFLOW_TRACKING_TOKEN=${"*".repeat(47)}\nPLINTH_TOKEN="${"*".repeat(47)}"\nplt_ short plt_${"a".repeat(42)}!\n`);
    for (let cut = 1; cut < text.length; cut += 3) expect(await collect(plain.maskStream(chunksOf(text, [cut, cut + 20])))).toBe(whole);
    // A line that cannot be the start of a token is not held back.
    expect(plain.held(Buffer.from("loss 0.25\n"))).toBe(0);
    expect(plain.held(Buffer.from(`token ${tokens[0]!.slice(0, 20)}`))).toBe(20);
  });

  it("masks multi-line values line by line too", () => {
    const key = "-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----";
    const m = new LogMasker([key]);
    expect(m.maskText("got AAAABBBBCCCC here")).toBe("got ************ here");
  });

  it("gives the same answer however a log is cut into chunks (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("ab", "cd", "abcab", "x", "\n", "abcd", "bcab"), { maxLength: 30 }),
        fc.array(fc.nat({ max: 120 }), { maxLength: 8 }),
        async (words, cuts) => {
          const m = new LogMasker(["abcab", "bcab", "cdab"]);
          const text = words.join("");
          expect(await collect(m.maskStream(chunksOf(text, cuts)))).toBe(m.maskText(text));
        },
      ),
    );
  });

  it("looks up only jobs whose spec names secrets; the others are masked of tokens alone", async () => {
    const asked: string[] = [];
    const masks = new LogMasks(async (id) => {
      asked.push(id);
      return [secret];
    });
    const token = generateToken();
    for (const names of [undefined, []]) {
      const mask = await masks.forJob("job_a", names);
      expect(await collect(mask.maskStream(chunksOf(`MLFLOW_TRACKING_TOKEN=${token} ${secret}`, [30])))).toBe(`MLFLOW_TRACKING_TOKEN=${"*".repeat(token.length)} ${secret}`);
    }
    expect(await masks.maskText("job_b", undefined, `x ${token}`)).toBe(`x ${"*".repeat(token.length)}`);
    expect(asked).toEqual([]);
    expect(await masks.maskText("job_c", ["TOKEN"], `x ${secret}`)).toBe(`x ${"*".repeat(secret.length)}`);
    expect(asked).toEqual(["job_c"]);
  });

  it("waits for a job's first output to look up values it did not have yet (followed before it started)", async () => {
    let values: string[] | null = null;
    const masks = new LogMasks(async () => values);
    const mask = (await masks.forJob("job_d", ["TOKEN"]))!;
    expect(mask.reach).toBeGreaterThanOrEqual(65_536);
    async function* output(): AsyncGenerator<Buffer> {
      values = [secret];
      yield Buffer.from(`a ${secret.slice(0, 4)}`);
      yield Buffer.from(`${secret.slice(4)} b`);
    }
    expect(await collect(mask.maskStream(output()))).toBe(`a ${"*".repeat(secret.length)} b`);
  });
});
