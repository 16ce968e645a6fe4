import type { DiffResult } from "../common/handler";
import { containsUnknown } from "../common/unknown";
import { peerNamespaceOf } from "./check";
import { machineOf, placeOf } from "../common/host-schema";
import type { VethPairInputs, VethPairState } from "./schema";

const stateDirOf = (h: unknown): unknown => (h && typeof h === "object" ? (h as { stateDir?: unknown }).stateDir : undefined);
const same = (a: unknown, b: unknown): boolean => !containsUnknown(b) && a === b;

/**
 * Pure diff of recorded state against new inputs.
 * - up: update brings both ends up or down.
 * - adopt, host.stateDir: update only records them (adopt decides what delete does; a veth keeps no files).
 * - name, peerName, peerNetns, host.netns, host.ssh: replace (the kernel pair is made with them, on that machine).
 * deleteBeforeReplace when either end keeps its name in its namespace: creating first would clash.
 */
export function diffVethPair(olds: Partial<VethPairState>, news: Partial<VethPairInputs>): DiffResult {
  const replaces: string[] = [];
  const updates: string[] = [];
  const endNsSame = !containsUnknown(news.host) && placeOf(olds.host) === placeOf(news.host);
  const sameMachine = !containsUnknown(news.host) && machineOf(olds.host) === machineOf(news.host);
  const peerNsSame = sameMachine && same(peerNamespaceOf(olds), peerNamespaceOf(news));
  if (!same(olds.name, news.name)) replaces.push("name");
  if (!same(olds.peerName, news.peerName)) replaces.push("peerName");
  // peerNetns unset means "with name": compare where the peer really goes, not the raw input.
  if (!peerNsSame) replaces.push("peerNetns");
  if (!endNsSame) replaces.push("host");

  if (containsUnknown(news.up) || (news.up !== undefined && olds.up !== news.up)) updates.push("up");
  if ((olds.adopt ?? false) !== (news.adopt ?? false)) updates.push("adopt");
  if (endNsSame && stateDirOf(olds.host) !== stateDirOf(news.host)) updates.push("host");

  const endClash = endNsSame && same(olds.name, news.name);
  const peerClash = peerNsSame && same(olds.peerName, news.peerName);
  return {
    changes: replaces.length > 0 || updates.length > 0,
    updates,
    replaces,
    deleteBeforeReplace: endClash || peerClash,
  };
}
