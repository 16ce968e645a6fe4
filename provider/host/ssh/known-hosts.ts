import { createHmac } from "node:crypto";
import { keyTypeOf, type PublicKey } from "./host-key";

/** One key line of a known_hosts file. */
export interface KnownHostsEntry {
  /** 1-based line number, for messages. */
  line: number;
  /** `@revoked` (never accept this key) or `@cert-authority` (not supported: such lines are never a match). */
  marker?: "revoked" | "cert-authority";
  /** The host field as written: a comma list of patterns (`host`, `[host]:port`, `*`/`?` wildcards, `!negation`) or one hashed `|1|salt|hash`. */
  hosts: string;
  key: PublicKey;
}

/**
 * Parse a known_hosts file (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): `[@marker] hosts keytype base64 [comment]`.
 * Blank lines, comments and lines that are not a valid key are skipped, as OpenSSH does.
 */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === "" || fields[0]!.startsWith("#")) return;
    let marker: KnownHostsEntry["marker"];
    if (fields[0]!.startsWith("@")) {
      const m = fields.shift()!;
      if (m === "@revoked") marker = "revoked";
      else if (m === "@cert-authority") marker = "cert-authority";
      else return; // an unknown marker: OpenSSH skips the line
    }
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const blob = Buffer.from(b64, "base64");
    if (keyTypeOf(blob) !== type) return;
    entries.push({ line: i + 1, ...(marker ? { marker } : {}), hosts, key: { type, blob } });
  });
  return entries;
}

/** The name known_hosts records for a server: `host` on port 22, `[host]:port` otherwise (lower case, as OpenSSH). */
export function hostNameFor(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** A `*`/`?` wildcard pattern as a whole-string, case-insensitive regular expression. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "is");
}

/**
 * True when a known_hosts host field names `name` (from {@link hostNameFor}). A hashed field is
 * `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`; a plain field is a comma list where a matching `!pattern` excludes
 * the name whatever else matches.
 */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith("|")) {
    const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(hosts);
    if (!m) return false;
    return createHmac("sha1", Buffer.from(m[1]!, "base64")).update(name).digest("base64") === m[2];
  }
  let matched = false;
  for (const p of hosts.split(",")) {
    if (p.startsWith("!")) {
      if (globToRegExp(p.slice(1)).test(name)) return false;
    } else if (p !== "" && globToRegExp(p).test(name)) matched = true;
  }
  return matched;
}

/** What known_hosts says about the key a server presented. */
export type KnownHostsVerdict =
  /** A line for this host has exactly this key. */
  | { status: "known"; entry: KnownHostsEntry }
  /** No line names this host. */
  | { status: "unknown" }
  /** Lines name this host, but with other keys (of this type or of others): the key changed, or someone is in between. */
  | { status: "changed"; entries: KnownHostsEntry[] }
  /** An `@revoked` line for this host has this key. */
  | { status: "revoked"; entry: KnownHostsEntry };

/**
 * Check a presented host key against known_hosts entries, as OpenSSH does for `StrictHostKeyChecking yes`: a revoked
 * key is refused first; then a line with exactly this key makes it known. A host that is known only with keys of
 * another type counts as changed (OpenSSH would ask; there is nobody to ask here) — the client prefers the known types
 * (see {@link knownKeyTypes}), so a server that kept its keys presents one of them.
 */
export function checkKnownHosts(entries: readonly KnownHostsEntry[], host: string, port: number, key: Buffer): KnownHostsVerdict {
  const name = hostNameFor(host, port);
  const forHost = entries.filter((e) => e.marker !== "cert-authority" && hostFieldMatches(e.hosts, name));
  const revoked = forHost.find((e) => e.marker === "revoked" && e.key.blob.equals(key));
  if (revoked) return { status: "revoked", entry: revoked };
  const keys = forHost.filter((e) => e.marker === undefined);
  const known = keys.find((e) => e.key.blob.equals(key));
  if (known) return { status: "known", entry: known };
  return keys.length === 0 ? { status: "unknown" } : { status: "changed", entries: keys };
}

/** The key types known_hosts records for a server (not revoked), in file order without repeats. */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], host: string, port: number): string[] {
  const name = hostNameFor(host, port);
  const types = entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name)).map((e) => e.key.type);
  return [...new Set(types)];
}
