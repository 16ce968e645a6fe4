import type { DiffTable } from "../common/diff-table";
import { diffByTable, jsonEqual } from "../common/diff-table";
import { machineOf } from "../common/host-schema";
import { containsUnknown } from "../common/unknown";
import type { DiffResult } from "../common/handler";
import type { NetworkNamespaceInputs, NetworkNamespaceState } from "./schema";

/** A namespace cannot be renamed or moved to another machine; adopt only changes what delete does. */
export const NETNS_DIFF: DiffTable<keyof NetworkNamespaceInputs> = {
  update: ["adopt"],
  replace: ["name", "host"],
  deleteBeforeReplace: () => false,
};

export function diffNetworkNamespace(olds: NetworkNamespaceState, news: NetworkNamespaceInputs): DiffResult {
  // Why machineOf: state from before `host` existed has none; only a change of machine matters.
  const equal = (k: keyof NetworkNamespaceInputs, a: unknown, b: unknown) => (k === "host" ? !containsUnknown(b) && machineOf(a) === machineOf(b) : jsonEqual(a, b));
  return diffByTable(NETNS_DIFF, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, equal);
}
