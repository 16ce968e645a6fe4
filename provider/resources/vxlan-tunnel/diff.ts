import type { DiffResult } from "../common/handler";
import { jsonEqual } from "../common/diff-table";
import { placeOf } from "../common/host-schema";
import { containsUnknown } from "../common/unknown";
import type { VxlanTunnelInputs, VxlanTunnelState } from "./schema";

const same = (a: unknown, b: unknown): boolean => !containsUnknown(b) && jsonEqual(a, b);

/** Two remote lists naming the same addresses, in any order. */
function sameSet(a: unknown, b: unknown): boolean {
  if (containsUnknown(b) || !Array.isArray(a) || !Array.isArray(b)) return false;
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

/**
 * Pure diff of recorded state (observed after create/refresh) against new inputs.
 * - remotes (as a set), bridge, up: update applies them live; the device stays (same ifindex).
 * - mtu: update when set; unset keeps the MTU the device was made with, so it is not compared.
 * - adopt, host's other fields (stateDir, SSH credentials): update only records them.
 * - name, vni, localAddress, port, host's place (machine, namespace): replace (the kernel will not change VNI or port in place).
 * deleteBeforeReplace when old and new are in one place and share the name, or the VNI and port (the kernel refuses a
 * second device for one VNI and port in a namespace).
 */
export function diffVxlanTunnel(olds: Partial<VxlanTunnelState>, news: Partial<VxlanTunnelInputs>): DiffResult {
  const replaces: string[] = [];
  const updates: string[] = [];
  const samePlace = !containsUnknown(news.host) && placeOf(olds.host) === placeOf(news.host);
  for (const k of ["name", "vni", "localAddress", "port"] as const) if (!same(olds[k], news[k])) replaces.push(k);
  if (!samePlace) replaces.push("host");

  if (!sameSet(olds.remotes, news.remotes)) updates.push("remotes");
  if (!same(olds.bridge, news.bridge)) updates.push("bridge");
  if (news.mtu !== undefined && !same(olds.mtu, news.mtu)) updates.push("mtu");
  if (!same(olds.up ?? true, news.up ?? true)) updates.push("up");
  if ((olds.adopt ?? false) !== (news.adopt ?? false)) updates.push("adopt");
  if (samePlace && !jsonEqual(olds.host ?? {}, news.host ?? {})) updates.push("host");

  const clash = samePlace && (same(olds.name, news.name) || (same(olds.vni, news.vni) && same(olds.port, news.port)));
  return { changes: replaces.length > 0 || updates.length > 0, updates, replaces, deleteBeforeReplace: clash };
}
