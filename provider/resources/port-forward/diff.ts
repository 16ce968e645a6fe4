import type { DiffTable } from "../common/diff-table";
import { diffByTable } from "../common/diff-table";
import type { DiffResult } from "../common/handler";
import { containsUnknown } from "../common/unknown";
import type { PortForwardInputs, PortForwardState } from "./schema";
import { placeOf } from "../common/host-schema";

type Side = { protocol?: unknown; hostAddress?: unknown; hostPort?: unknown; host?: unknown };

/**
 * True when two forwards would listen on the same host socket: same machine and network namespace, protocol and
 * port, and the same address or either on any address (0.0.0.0). Unknown values count as a clash. Pure.
 */
export function hostSidesClash(a: Side, b: Side): boolean {
  if (containsUnknown([a.protocol, a.hostAddress, a.hostPort, a.host, b.protocol, b.hostAddress, b.hostPort, b.host])) return true;
  const any = (x: unknown) => x === "0.0.0.0";
  return (
    placeOf(a.host) === placeOf(b.host) &&
    a.protocol === b.protocol &&
    a.hostPort === b.hostPort &&
    (a.hostAddress === b.hostAddress || any(a.hostAddress) || any(b.hostAddress))
  );
}

/**
 * Update removes the old rule and adds the new one on the same VM netdev (live, rolled back on failure).
 * Another VM, VM instance, netdev or host is a new forward: replace, deleting first when the old one
 * holds the host socket the new one needs.
 */
export const PORT_FORWARD_DIFF: DiffTable<keyof PortForwardInputs> = {
  update: ["protocol", "hostAddress", "hostPort", "guestAddress", "guestPort", "adopt"],
  replace: ["vm", "vmInstanceId", "netdev", "host"],
  deleteBeforeReplace: (olds, news) => hostSidesClash(olds as Side, news as Side),
};

/** Pure diff; a forward found missing by read (`active: false`) is an update: update re-adds it. */
export function diffPortForward(olds: PortForwardState, news: PortForwardInputs): DiffResult {
  const d = diffByTable(PORT_FORWARD_DIFF, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  if (olds.active === false && d.replaces.length === 0) return { ...d, changes: true, updates: [...d.updates, "active"] };
  return d;
}
