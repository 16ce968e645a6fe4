import { createHash } from "node:crypto";

/** An SSH public key: its algorithm name and its wire-format blob (what known_hosts holds in base64). */
export interface PublicKey {
  type: string;
  blob: Buffer;
}

/**
 * The key type named inside a wire-format key blob (its first string), or undefined when the blob is malformed: every
 * public key format is a sequence of length-prefixed fields (type, then key material) that must use up the blob exactly.
 */
export function keyTypeOf(blob: Buffer): string | undefined {
  const fields: Buffer[] = [];
  for (let at = 0; at < blob.length; ) {
    if (at + 4 > blob.length) return undefined;
    const len = blob.readUInt32BE(at);
    if (at + 4 + len > blob.length) return undefined;
    fields.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  const type = fields[0]?.toString("latin1") ?? "";
  return fields.length >= 2 && type.length <= 64 && /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** A key's fingerprint as `ssh-keygen -l` prints it: `SHA256:` and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key as one `type base64` line (the form of a `hostKey` pin and of `ssh-keyscan` output without the host). */
export function keyLine(key: PublicKey): string {
  return `${key.type} ${key.blob.toString("base64")}`;
}

/**
 * Parse `type base64 [comment]` (an OpenSSH public key line, e.g. a `hostKey` pin); undefined when it is not one or
 * when the type written before the base64 differs from the one inside it.
 */
export function parsePublicKey(text: string): PublicKey | undefined {
  const m = /^\s*(\S+)\s+([A-Za-z0-9+/]+={0,2})(?:\s.*)?$/s.exec(text);
  if (!m) return undefined;
  const blob = Buffer.from(m[2]!, "base64");
  if (blob.toString("base64") !== m[2]) return undefined; // not canonical base64: a truncated or mistyped key
  return keyTypeOf(blob) === m[1] ? { type: m[1]!, blob } : undefined;
}

/** `ssh-ed25519 SHA256:…`: how messages show a key. */
export function describeKey(key: PublicKey): string {
  return `${key.type} ${fingerprint(key.blob)}`;
}
