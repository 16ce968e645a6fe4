import { fixFor } from "../runner/command-error";
import type { QmpClient } from "./qmp-client";
import { parseUsernet } from "./usernet";
import { isIpv4 } from "../ip/ipv4";

/** A user-mode (slirp) host forward: hostAddress:hostPort on the VM's network namespace → guestAddress:guestPort. */
export interface Fwd {
  protocol: "tcp" | "udp";
  /** IPv4 address to listen on; `0.0.0.0` means any. */
  hostAddress: string;
  hostPort: number;
  /** Guest IPv4 address; absent: QEMU's default guest address (the first DHCP address, 10.0.2.15). */
  guestAddress?: string;
  guestPort: number;
}

/** What can go wrong with a forward, each with a fix where there is one. */
export type HostFwdFailure = "port-in-use" | "invalid-rule" | "netdev-not-found" | "unknown";

/** QEMU refused a hostfwd_add/hostfwd_remove; QEMU reports these as text in a successful reply. */
export class HostFwdError extends Error {
  readonly fix?: string;
  constructor(
    /** The HMP command line sent. */
    readonly commandLine: string,
    /** QEMU's reply text. */
    readonly reply: string,
    readonly failure: HostFwdFailure,
  ) {
    const fix = HOSTFWD_FIXES[failure];
    super(`QEMU refused \`${commandLine}\`: ${reply.trim()}` + (fix ? `\n  fix: ${fix}` : ""));
    this.name = "HostFwdError";
    this.fix = fix;
  }
}

const HOSTFWD_FIXES: Partial<Record<HostFwdFailure, string>> = {
  "port-in-use":
    `${fixFor("port-in-use")}; or hostAddress is not an address of the VM's network namespace`,
  "netdev-not-found": "name a user-mode netdev of the VM (its `-netdev user,id=<name>`; QemuVm's default is net0)",
  "invalid-rule": "check protocol, hostAddress (IPv4), hostPort and guestPort (1–65535)",
};

/** Classify QEMU's reply text to a hostfwd command. Pure. */
export function classifyHostFwdReply(reply: string): HostFwdFailure {
  if (/could not set up host forwarding rule/i.test(reply)) return "port-in-use";
  if (/invalid host forwarding rule|invalid format/i.test(reply)) return "invalid-rule";
  if (/unrecognized netdev id|invalid netdev/i.test(reply)) return "netdev-not-found";
  return "unknown";
}

const NETDEV_ID = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

/** True for a QEMU netdev id (letters, digits, `-`, `.`, `_`, starting with a letter), safe on an HMP line. */
export function isNetdevId(s: string): boolean {
  return NETDEV_ID.test(s);
}


function assertSafe(netdev: string | undefined, fwd: Partial<Fwd>): void {
  // Defence in depth: check validated these, and HMP splits its command line on whitespace.
  const port = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
  if (netdev !== undefined && !isNetdevId(netdev)) throw new Error(`invalid netdev id ${JSON.stringify(netdev)}`);
  if (fwd.protocol !== "tcp" && fwd.protocol !== "udp") throw new Error(`invalid protocol ${JSON.stringify(fwd.protocol)}`);
  if (!isIpv4(fwd.hostAddress ?? "")) throw new Error(`invalid hostAddress ${JSON.stringify(fwd.hostAddress)}`);
  if (!port(fwd.hostPort)) throw new Error(`invalid hostPort ${JSON.stringify(fwd.hostPort)}`);
  if (fwd.guestPort !== undefined && !port(fwd.guestPort)) throw new Error(`invalid guestPort ${JSON.stringify(fwd.guestPort)}`);
  if (fwd.guestAddress !== undefined && !isIpv4(fwd.guestAddress)) throw new Error(`invalid guestAddress ${JSON.stringify(fwd.guestAddress)}`);
}

/** The hostfwd rule, as `-netdev user,hostfwd=` and `hostfwd_add` take it: `tcp:127.0.0.1:2222-:22`. Pure. */
export function formatHostFwdRule(fwd: Fwd): string {
  assertSafe(undefined, fwd);
  return `${fwd.protocol}:${fwd.hostAddress}:${fwd.hostPort}-${fwd.guestAddress ?? ""}:${fwd.guestPort}`;
}

/** The host side of a rule, as `hostfwd_remove` takes it: `tcp:127.0.0.1:2222`. Pure. */
export function formatHostFwdKey(fwd: Pick<Fwd, "protocol" | "hostAddress" | "hostPort">): string {
  assertSafe(undefined, fwd);
  return `${fwd.protocol}:${fwd.hostAddress}:${fwd.hostPort}`;
}

/** The HMP command line adding `fwd` to `netdev`. Pure. */
export function hostFwdAddCommand(netdev: string, fwd: Fwd): string {
  assertSafe(netdev, fwd);
  return `hostfwd_add ${netdev} ${formatHostFwdRule(fwd)}`;
}

/** The HMP command line removing the forward listening on fwd's host side from `netdev`. Pure. */
export function hostFwdRemoveCommand(netdev: string, fwd: Pick<Fwd, "protocol" | "hostAddress" | "hostPort">): string {
  assertSafe(netdev, fwd);
  return `hostfwd_remove ${netdev} ${formatHostFwdKey(fwd)}`;
}

/** True when two forwards listen on the same host socket (what QEMU keys forwards by). */
export function sameHostSide(a: Pick<Fwd, "protocol" | "hostAddress" | "hostPort">, b: Pick<Fwd, "protocol" | "hostAddress" | "hostPort">): boolean {
  return a.protocol === b.protocol && a.hostAddress === b.hostAddress && a.hostPort === b.hostPort;
}

/** Add a forward live; throws {@link HostFwdError} with QEMU's text when QEMU refuses. */
export async function addHostForward(qmp: QmpClient, netdev: string, fwd: Fwd): Promise<void> {
  const line = hostFwdAddCommand(netdev, fwd);
  const reply = await qmp.hmp(line);
  if (reply.trim() !== "") throw new HostFwdError(line, reply, classifyHostFwdReply(reply));
}

/**
 * Remove a forward live. Returns false when QEMU had no such forward (already gone); throws
 * {@link HostFwdError} for anything else QEMU refuses (e.g. an unknown netdev).
 */
export async function removeHostForward(qmp: QmpClient, netdev: string, fwd: Pick<Fwd, "protocol" | "hostAddress" | "hostPort">): Promise<boolean> {
  const line = hostFwdRemoveCommand(netdev, fwd);
  const reply = (await qmp.hmp(line)).trim();
  if (/^host forwarding rule for \S+ removed$/.test(reply)) return true;
  if (/^host forwarding rule for \S+ not found$/.test(reply)) return false;
  throw new HostFwdError(line, reply, classifyHostFwdReply(reply));
}

/** Every user-mode netdev of the VM with its host forwards (`info usernet`); guestAddress is always filled. */
export async function listHostForwards(qmp: QmpClient): Promise<Map<string, Fwd[]>> {
  return parseUsernet(await qmp.hmp("info usernet"));
}
