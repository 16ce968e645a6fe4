import type { DiffTable } from "../common/diff-table";
import { diffByTable } from "../common/diff-table";
import type { DiffResult } from "../common/handler";
import type { NetworkNamespaceInputs, NetworkNamespaceState } from "./schema";

/** A namespace cannot be renamed; adopt only changes what delete does. */
export const NETNS_DIFF: DiffTable<keyof NetworkNamespaceInputs> = {
  update: ["adopt"],
  replace: ["name"],
  deleteBeforeReplace: () => false,
};

export function diffNetworkNamespace(olds: NetworkNamespaceState, news: NetworkNamespaceInputs): DiffResult {
  return diffByTable(NETNS_DIFF, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
}
