import { placeOf } from "../common/host-schema";
import { sameCidrSet } from "../../host/ip/cidr-list";
import type { DiffResult } from "../common/handler";
import { containsUnknown } from "../common/unknown";
import type { BridgeInputs, BridgeState } from "./schema";

const stateDirOf = (h: unknown): unknown => (h && typeof h === "object" ? (h as { stateDir?: unknown }).stateDir : undefined);

/** A managed property changed: set in the new inputs (unset means unmanaged) and different from the state. */
function managedChange(olds: unknown, news: unknown, equal: (a: unknown, b: unknown) => boolean = (a, b) => a === b): boolean {
  if (news === undefined) return false;
  if (containsUnknown(news)) return true;
  return !equal(olds, news);
}

const cidrSetsEqual = (a: unknown, b: unknown): boolean =>
  Array.isArray(a) && Array.isArray(b) && sameCidrSet(a as string[], b as string[]);

/**
 * Pure diff of recorded state (observed values after create/refresh) against new inputs.
 * - addresses (as a set), mtu, stp, up: update applies them in place; unset ones are not compared.
 * - adopt and host.stateDir: update only records them (adopt decides what delete does; a bridge keeps no files).
 * - name, host.netns and host.ssh: replace (the name is what ACL lines, ports and VM NICs refer to; the kernel
 *   will not move a bridge to another namespace: bridges are netns-local).
 * deleteBeforeReplace is true whenever old and new are the same physical bridge (same name, same
 * namespace): only then would creating first clash. That is never so for a replace this diff asks
 * for, but is for one the engine forces (`--replace`, `replaceOnChanges`), which reads this flag too.
 */
export function diffBridge(olds: Partial<BridgeState>, news: Partial<BridgeInputs>): DiffResult {
  const replaces: string[] = [];
  const updates: string[] = [];
  const netnsChanged = containsUnknown(news.host) || placeOf(olds.host) !== placeOf(news.host);
  if (managedChange(olds.name, news.name)) replaces.push("name");
  if (netnsChanged) replaces.push("host");

  if (managedChange(olds.addresses, news.addresses, cidrSetsEqual)) updates.push("addresses");
  if (managedChange(olds.mtu, news.mtu)) updates.push("mtu");
  if (managedChange(olds.macAddress, news.macAddress, (a, b) => String(a).toLowerCase() === String(b).toLowerCase()))
    updates.push("macAddress");
  if (managedChange(olds.stp, news.stp)) updates.push("stp");
  if (managedChange(olds.up, news.up)) updates.push("up");
  if ((olds.adopt ?? false) !== (news.adopt ?? false)) updates.push("adopt");
  if (!netnsChanged && stateDirOf(olds.host) !== stateDirOf(news.host)) updates.push("host");

  const samePhysical = !containsUnknown(news.name) && !netnsChanged && olds.name === news.name;
  return {
    changes: replaces.length > 0 || updates.length > 0,
    updates,
    replaces,
    deleteBeforeReplace: samePhysical,
  };
}
