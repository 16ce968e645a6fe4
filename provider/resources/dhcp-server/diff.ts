import { jsonEqual } from "../common/diff-table";
import type { DiffResult } from "../common/handler";
import type { DhcpServerInputs, DhcpServerState } from "./schema";

/** A change of these restarts dnsmasq (its config file changes): an update, the leases kept. */
export const DHCP_RESTART_KEYS = ["bridge", "range", "leaseTime", "router", "dnsDomain", "upstreamDns"] as const;
/** Applied live: the hosts files rewritten and dnsmasq sent SIGHUP (same pid, leases kept). */
export const DHCP_LIVE_KEYS = ["staticLeases"] as const;
/** Only check reads it: an update records it. */
export const DHCP_RECORD_KEYS = ["network"] as const;
/** A change of these is a new server (another directory, another namespace): replace. */
export const DHCP_REPLACE_KEYS = ["name", "host"] as const;

/**
 * Pure diff of a DhcpServer. Replace (delete first: the old dnsmasq holds port 67 on the bridge) for `name` and `host`;
 * update for everything else, and for drift refresh found: `status` "stopped" (dnsmasq is gone) or `leaseFile` absent
 * (the lease file was deleted); update restarts dnsmasq for those.
 */
export function diffDhcpServer(olds: Partial<DhcpServerState>, news: Partial<DhcpServerInputs>): DiffResult {
  const o = olds as Record<string, unknown>;
  const n = news as Record<string, unknown>;
  const replaces: string[] = DHCP_REPLACE_KEYS.filter((k) => !jsonEqual(o[k] ?? (k === "host" ? {} : undefined), n[k] ?? (k === "host" ? {} : undefined)));
  const updates: string[] = [...DHCP_RESTART_KEYS, ...DHCP_LIVE_KEYS, ...DHCP_RECORD_KEYS].filter((k) => !jsonEqual(o[k], n[k]));
  if (olds.status !== "running") updates.push("status");
  if (typeof olds.leaseFile !== "string") updates.push("leaseFile");
  return { changes: replaces.length + updates.length > 0, updates, replaces, deleteBeforeReplace: replaces.length > 0 };
}

/** True when going from `olds` to `news` needs a new dnsmasq process (not just a SIGHUP). Pure. */
export function needsRestart(olds: Partial<DhcpServerInputs>, news: DhcpServerInputs): boolean {
  const o = olds as Record<string, unknown>;
  const n = news as Record<string, unknown>;
  return DHCP_RESTART_KEYS.some((k) => !jsonEqual(o[k], n[k]));
}
