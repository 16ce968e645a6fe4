import { describeKey, fingerprint, keyLine, keyTypeOf, type PublicKey } from "./host-key";
import { checkKnownHosts, hostNameFor, knownKeyTypes, type KnownHostsEntry } from "./known-hosts";

/** Why a server's host key was refused. */
export type HostKeyProblem = "unknown" | "changed" | "revoked";

/** The server's host key is not the one expected: nothing was sent to it (no authentication, no command). */
export class HostKeyError extends Error {
  constructor(
    readonly problem: HostKeyProblem,
    /** The machine as messages name it. */
    readonly where: string,
    /** The fingerprint (`SHA256:…`) of the key the server presented. */
    readonly presented: string,
    message: string,
  ) {
    super(message);
    this.name = "HostKeyError";
  }
}

/** What a server's host key is checked against: a pinned key, else the known_hosts file's entries. */
export interface HostKeyPolicy {
  /** The server as dialled (known_hosts records `host`, or `[host]:port` off port 22). */
  host: string;
  port: number;
  /** The machine as messages name it. */
  where: string;
  /** The pinned key (`hostKey`): compared exactly; known_hosts is not consulted. */
  pinned?: PublicKey;
  /** The known_hosts file (named in messages). */
  knownHostsPath: string;
  /** Its entries (empty when the file does not exist). */
  knownHosts: readonly KnownHostsEntry[];
}

/** How to add a server's keys to known_hosts once their fingerprint was checked. */
function trustHint(p: HostKeyPolicy): string {
  return `ssh-keyscan -p ${p.port} ${p.host} >> ${p.knownHostsPath}`;
}

/**
 * Check the key a server presented (its wire-format blob, as ssh2's `hostVerifier` receives it); undefined when it is
 * the expected one. There is no "accept any key" mode: an unknown key is refused with its fingerprint and how to
 * trust it; a changed key is refused naming both fingerprints.
 */
export function verifyHostKey(p: HostKeyPolicy, blob: Buffer): HostKeyError | undefined {
  const presented: PublicKey = { type: keyTypeOf(blob) ?? "unknown-key-type", blob };
  const fp = fingerprint(blob);
  if (p.pinned) {
    if (p.pinned.blob.equals(blob)) return undefined;
    return new HostKeyError(
      "changed",
      p.where,
      fp,
      `HOST KEY MISMATCH for ${p.where} (${p.host} port ${p.port}): hostKey pins ${describeKey(p.pinned)}, but the server presented ` +
        `${describeKey(presented)}. Someone may be intercepting the connection, or the host's keys were regenerated. ` +
        `Check the fingerprint on the host itself (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) before changing hostKey.`,
    );
  }
  const verdict = checkKnownHosts(p.knownHosts, p.host, p.port, blob);
  switch (verdict.status) {
    case "known":
      return undefined;
    case "revoked":
      return new HostKeyError(
        "revoked",
        p.where,
        fp,
        `host key of ${p.where} (${p.host} port ${p.port}) is revoked: ${describeKey(presented)} is marked @revoked in ` +
          `${p.knownHostsPath} line ${verdict.entry.line}; refusing to connect.`,
      );
    case "changed": {
      const was = verdict.entries.map((e) => `${describeKey(e.key)} (${p.knownHostsPath} line ${e.line})`).join(", ");
      return new HostKeyError(
        "changed",
        p.where,
        fp,
        `HOST KEY CHANGED for ${p.where} (${p.host} port ${p.port}): known_hosts has ${was}, but the server presented ` +
          `${describeKey(presented)}. Someone may be intercepting the connection, or the host was reinstalled. Only if ` +
          `you know it was: check the new fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), remove ` +
          `the old entry (ssh-keygen -R '${hostNameFor(p.host, p.port)}' -f ${p.knownHostsPath}) and add the new one ` +
          `(${trustHint(p)}).`,
      );
    }
    case "unknown":
      return new HostKeyError(
        "unknown",
        p.where,
        fp,
        `host key of ${p.where} (${p.host} port ${p.port}) is not known: the server presented ${describeKey(presented)}, ` +
          `which ${p.knownHostsPath} does not list for ${hostNameFor(p.host, p.port)}. Check that fingerprint on the host ` +
          `itself (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub); if it matches, trust it with \`${trustHint(p)}\`, ` +
          `or pin it: hostKey: "${keyLine(presented)}".`,
      );
  }
}

/** ssh2's host key algorithms (its defaults, in its order). */
const HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/** The host key algorithms to offer for a key type (an RSA key signs with SHA-2 first). */
function algorithmsFor(type: string): string[] {
  if (type === "ssh-rsa") return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  return HOST_KEY_ALGORITHMS.includes(type) ? [type] : [];
}

/**
 * Host key algorithms in the order to offer them: the types already trusted for this server first (the pinned one, or
 * those in known_hosts), so a server with several keys presents one that can be checked; then the rest.
 */
export function hostKeyAlgorithms(p: HostKeyPolicy): string[] {
  const types = p.pinned ? [p.pinned.type] : knownKeyTypes(p.knownHosts, p.host, p.port);
  const first = types.flatMap(algorithmsFor);
  return [...new Set([...first, ...HOST_KEY_ALGORITHMS])];
}
