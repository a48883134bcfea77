import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import type { Socket } from "node:net";

// A minimal websocket client (RFC 6455: masked client frames, text, ping/pong) that opens over
// TCP or a Unix socket alike, so a benchmark can hold a proxy and the app behind it to the same
// client code.

/** Where a websocket opens: a host and port, or a Unix socket, with the headers it needs. */
export interface WebSocketTarget {
  name: string;
  connect: { host: string; port: number } | { socketPath: string };
  authorization: string;
  /** The path prefix the app serves under. */
  base: string;
}

export class RawWebSocket {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #waiting: { accept: (text: string) => boolean; done: (text: string) => void } | null = null;
  #closed: Error | null = null;

  private constructor(socket: Socket, head: Buffer) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => this.#take(d));
    socket.on("close", () => {
      this.#closed = new Error("websocket closed");
    });
    socket.on("error", (err) => {
      this.#closed = err;
    });
    if (head.length) this.#take(head);
  }

  static open(side: WebSocketTarget, path: string): Promise<RawWebSocket> {
    const key = randomBytes(16).toString("base64");
    const expected = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    return new Promise((done, fail) => {
      const req = request({
        ...side.connect,
        path: side.base + path,
        headers: { host: "localhost", authorization: side.authorization, connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": key },
      });
      req.on("upgrade", (res, socket, head) => {
        if (res.headers["sec-websocket-accept"] !== expected) {
          socket.destroy();
          fail(new Error(`websocket (${side.name}): wrong Sec-WebSocket-Accept`));
          return;
        }
        done(new RawWebSocket(socket, head));
      });
      req.on("response", (res) => {
        res.resume();
        fail(new Error(`websocket (${side.name}): ${res.statusCode} instead of 101`));
      });
      req.on("error", fail);
      req.end();
    });
  }

  send(text: string): void {
    this.#frame(0x1, Buffer.from(text, "utf8"));
  }

  /** The next text message `accept` takes; others are dropped. */
  next(accept: (text: string) => boolean, limitMs = 30_000): Promise<string> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        this.#waiting = null;
        fail(new Error(`no answer on the websocket in ${limitMs / 1000} s`));
      }, limitMs);
      this.#waiting = {
        accept,
        done: (text) => {
          clearTimeout(timer);
          done(text);
        },
      };
    });
  }

  close(): void {
    this.#frame(0x8, Buffer.alloc(0));
    this.#socket.end();
  }

  #frame(opcode: number, payload: Buffer): void {
    const n = payload.length;
    const header = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n]) : n < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), bigLength(n)]);
    const mask = randomBytes(4);
    const masked = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
    this.#socket.write(Buffer.concat([header, mask, masked]));
  }

  #take(data: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, data]) : data;
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) return;
      const fin = (b[0]! & 0x80) !== 0;
      const opcode = b[0]! & 0x0f;
      const masked = (b[1]! & 0x80) !== 0;
      let length = b[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      const maskAt = at;
      if (masked) at += 4;
      if (b.length < at + length) return;
      const payload = Buffer.from(b.subarray(at, at + length));
      if (masked) for (let i = 0; i < length; i++) payload[i] = payload[i]! ^ b[maskAt + (i & 3)]!;
      this.#buffer = b.subarray(at + length);
      if (opcode === 0x9) this.#frame(0xa, payload);
      else if (opcode === 0x8) this.#socket.end();
      else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
        this.#fragments.push(payload);
        if (fin) {
          const message = Buffer.concat(this.#fragments);
          this.#fragments = [];
          const text = message.toString("utf8");
          const w = this.#waiting;
          if (w && opcode !== 0x2 && w.accept(text)) {
            this.#waiting = null;
            w.done(text);
          }
        }
      }
    }
  }
}

function bigLength(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

