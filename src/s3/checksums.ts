import { createHash, type Hash } from "node:crypto";
import { crc32 } from "node:zlib";

// The additional checksums S3 clients send (x-amz-checksum-crc32 and friends, in a header or an
// aws-chunked trailer), computed while the bytes stream through. boto3 and the AWS CLI send
// CRC32 by default; CRC32C, CRC64NVME, SHA-1 and SHA-256 are checked too. Values are base64 of
// the big-endian checksum, as S3 writes them.

export const CHECKSUM_ALGORITHMS = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface Checksum {
  update(chunk: Buffer): void;
  /** base64 of the checksum. */
  digest(): string;
}

/** `x-amz-checksum-crc32` → `crc32`; null for any other name. */
export function checksumAlgorithmOf(headerName: string): ChecksumAlgorithm | null {
  const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(headerName.toLowerCase());
  return m && (CHECKSUM_ALGORITHMS as readonly string[]).includes(m[1]!) ? (m[1] as ChecksumAlgorithm) : null;
}

export function newChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case "crc32":
      return crc32Checksum();
    case "crc32c":
      return crc32cChecksum();
    case "crc64nvme":
      return crc64Checksum();
    case "sha1":
    case "sha256":
      return hashChecksum(createHash(algorithm));
  }
}

function hashChecksum(hash: Hash): Checksum {
  return { update: (chunk) => void hash.update(chunk), digest: () => hash.digest("base64") };
}

function uint32Base64(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString("base64");
}

function crc32Checksum(): Checksum {
  let value = 0;
  return {
    update: (chunk) => {
      value = crc32(chunk, value);
    },
    digest: () => uint32Base64(value),
  };
}

// CRC-32C (Castagnoli), reflected, eight bytes at a time ("slicing by 8").
const CRC32C = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    tables[0]![i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let t = 1; t < 8; t++) {
      const prev = tables[t - 1]![i]!;
      tables[t]![i] = ((prev >>> 8) ^ tables[0]![prev & 0xff]!) >>> 0;
    }
  }
  return tables;
})();

export function crc32cUpdate(crc: number, data: Buffer): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC32C as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c =
      t7[lo & 0xff]! ^
      t6[(lo >>> 8) & 0xff]! ^
      t5[(lo >>> 16) & 0xff]! ^
      t4[lo >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function crc32cChecksum(): Checksum {
  let value = 0;
  return {
    update: (chunk) => {
      value = crc32cUpdate(value, chunk);
    },
    digest: () => uint32Base64(value),
  };
}

// CRC-64/NVME, reflected, kept as two 32-bit halves (BigInt per byte would be far slower).
const CRC64 = (() => {
  const poly = 0x9a6c9329ac4bc9b5n;
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    hi[i] = Number(c >> 32n);
    lo[i] = Number(c & 0xffffffffn);
  }
  return { hi, lo };
})();

export function crc64nvmeUpdate(state: { hi: number; lo: number }, data: Buffer): void {
  const { hi: th, lo: tl } = CRC64;
  let hi = ~state.hi >>> 0;
  let lo = ~state.lo >>> 0;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ tl[idx]!;
    hi = (hi >>> 8) ^ th[idx]!;
  }
  state.hi = ~hi >>> 0;
  state.lo = ~lo >>> 0;
}

function crc64Checksum(): Checksum {
  const state = { hi: 0, lo: 0 };
  return {
    update: (chunk) => crc64nvmeUpdate(state, chunk),
    digest: () => {
      const b = Buffer.alloc(8);
      b.writeUInt32BE(state.hi >>> 0, 0);
      b.writeUInt32BE(state.lo >>> 0, 4);
      return b.toString("base64");
    },
  };
}
