import { isIP } from "node:net";
import { z } from "zod";
import { absolutePathSchema } from "./naming";
import { portSchema } from "./value-schemas";

/** A DNS hostname (RFC 1123 labels): letters, digits and hyphens, dot-separated, at most 253 characters. */
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
/** A login name as useradd accepts it (and no shell metacharacter). */
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Public key algorithms a pinned host key may name (what OpenSSH's sshd offers). */
const HOST_KEY_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

/** True when `s` is a hostname or an IPv4/IPv6 address. Pure. */
export function isHostOrAddress(s: string): boolean {
  return isIP(s) !== 0 || (HOSTNAME.test(s) && !/^[0-9.]+$/.test(s));
}

/**
 * Why a pinned host key is not `TYPE BASE64` with the base64 naming the same type (the SSH wire format starts with
 * the key type as a length-prefixed string), or undefined when it is. Pure.
 */
export function hostKeyProblem(s: string): string | undefined {
  const m = /^(\S+) (AAAA[A-Za-z0-9+/]+={0,2})$/.exec(s.trim());
  if (!m) return "must be a public key line like `ssh-ed25519 AAAAC3Nza…` (the key type, one space, base64; as in known_hosts)";
  const [, type, b64] = m as unknown as [string, string, string];
  if (!HOST_KEY_TYPES.includes(type)) return `key type "${type}" is not one of ${HOST_KEY_TYPES.join(", ")}`;
  const blob = Buffer.from(b64, "base64");
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len < 0 || blob.subarray(4, 4 + len).toString("latin1") !== type) return `the base64 does not hold a ${type} key (it names another type or is cut)`;
  return undefined;
}

function sshFields() {
  return {
    /** Hostname or IP address of the machine's SSH server. */
    host: z.string({ required_error: "is required: the SSH server's hostname or address" }).refine(isHostOrAddress, "must be a hostname (like hv2.lab) or an IP address"),
    /** SSH port (default 22). */
    port: portSchema().optional(),
    /** Login user (default `root`: the provider changes host networking). */
    user: z.string().regex(USER, "must be a login name: lower-case letters, digits, _ and -, starting with a letter or _").optional(),
    /** Absolute path of the private key file on the machine running Pulumi (default: the SSH agent, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
    privateKeyPath: absolutePathSchema().optional(),
    /** Authenticate with the SSH agent: `true` for `$SSH_AUTH_SOCK`, or the agent socket's absolute path. */
    agent: z.union([z.boolean(), absolutePathSchema()]).optional(),
    /** Absolute path of the known_hosts file that verifies the host key (default `~/.ssh/known_hosts`). */
    knownHostsPath: absolutePathSchema().optional(),
    /** The host key, pinned, in `ssh-ed25519 AAAA…` form (as in known_hosts); when given, known_hosts is not read. There is no "accept any key" option. */
    hostKey: z.string().superRefine((s, ctx) => {
      const problem = hostKeyProblem(s);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    }).optional(),
  };
}

function noKeyAndAgent(v: { privateKeyPath?: string; agent?: boolean | string }, ctx: z.RefinementCtx): void {
  if (v.privateKeyPath !== undefined && v.agent !== undefined && v.agent !== false)
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["agent"], message: "give either privateKeyPath or agent, not both" });
}

/** `host.ssh`: the machine a resource lives on, reached over SSH (absent: the machine running Pulumi). */
export function sshTargetSchema() {
  return z
    .object({
      ...sshFields(),
      /** A host to connect through first (like `ssh -J`); its key is verified the same way. */
      jumpHost: z.object(sshFields()).strict().superRefine(noKeyAndAgent).optional(),
    })
    .strict()
    .superRefine(noKeyAndAgent);
}

/** `host.ssh` after check. */
export type SshTargetInput = z.infer<ReturnType<typeof sshTargetSchema>>;
