import { z } from "zod";
import { absolutePathSchema, netnsNameSchema } from "./naming";
import { sshTargetSchema } from "./ssh-schema";

/** `host` on every resource: where it lives and where runtime state goes. */
export function hostSchema() {
  return z
    .object({
      /** Network namespace the resource lives in (e.g. a NetworkNamespace's `name` output). */
      netns: netnsNameSchema().optional(),
      /** Directory for per-resource runtime state (default `/var/lib/qemu-lab`). */
      stateDir: absolutePathSchema().optional(),
      /** The machine, reached over SSH; absent: the machine running Pulumi. Everything the provider does there (commands, files, QMP) goes over one connection per machine. */
      ssh: sshTargetSchema().optional(),
    })
    .strict()
    .default({});
}

/**
 * `host` of a kind that lives on a machine but not inside a namespace (a NetworkNamespace): only the machine.
 */
export function machineSchema() {
  return z
    .object({
      /** The machine, reached over SSH; absent: the machine running Pulumi. */
      ssh: sshTargetSchema().optional(),
    })
    .strict()
    .default({});
}

/** Where a resource lives, after check. */
export type HostInput = z.infer<ReturnType<typeof hostSchema>>;

/** `host` as a program gives it: the SDK's `HostArgs` are derived from this. */
export type HostInputIn = z.input<ReturnType<typeof hostSchema>>;

/**
 * Where a host object lives, as one comparable value: the machine (its SSH address, port and user; this machine when
 * absent) and the network namespace. Two hosts with the same place share links; a change of place is a replace.
 */
export function placeOf(host: unknown): string {
  const h = (host && typeof host === "object" ? host : {}) as { netns?: unknown };
  return JSON.stringify([machineOf(host), h.netns ?? ""]);
}

/** The machine of a `host` as one comparable value: its SSH address, port and user; "" for this machine. */
export function machineOf(host: unknown): string {
  const ssh = (host && typeof host === "object" ? (host as { ssh?: { host?: unknown; port?: unknown; user?: unknown } }).ssh : undefined);
  return ssh ? JSON.stringify([ssh.host, ssh.port ?? 22, ssh.user ?? "root"]) : "";
}
