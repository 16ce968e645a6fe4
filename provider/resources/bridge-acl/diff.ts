import { defaultAclPath } from "../../host/acl/acl-paths";
import { diffByTable, type DiffTable } from "../common/diff-table";
import type { DiffResult } from "../common/handler";
import { containsUnknown, UNKNOWN } from "../common/unknown";
import type { BridgeAclInputs, BridgeAclState } from "./schema";

/** The file an entry lives in: the explicit confPath, else the helper's file for host.netns. */
export function resolveConfPath(inputs: Pick<BridgeAclInputs, "confPath" | "host">): string {
  if (inputs.confPath === undefined && containsUnknown(inputs.host)) return UNKNOWN; // preview: not known yet
  return inputs.confPath ?? defaultAclPath(inputs.host?.netns);
}

/**
 * `action` is rewritten in place by update. A different bridge or file is a different entry:
 * replace. `host` alone only changes which namespace we describe (the file is the resolved
 * confPath, compared separately), so update applies it by re-checking warnings.
 * No deleteBeforeReplace: every create writes its own marker id, so the old and the new entry can
 * sit in one file at once, and the helper ORs rules, so a brief duplicate changes no decision.
 */
export const BRIDGE_ACL_DIFF: DiffTable<"action" | "host" | "bridge" | "confPath" | "name"> = {
  update: ["action", "host"],
  replace: ["bridge", "confPath", "name"],
  deleteBeforeReplace: () => false,
};

/** Pure diff; confPath is compared resolved (an absent input means the default for host.netns). */
export function diffBridgeAcl(olds: BridgeAclState, news: BridgeAclInputs): DiffResult {
  const o = { ...olds, host: olds.host ?? {} } as unknown as Record<string, unknown>;
  const n = { ...news, host: news.host ?? {}, confPath: resolveConfPath(news) } as unknown as Record<string, unknown>;
  return diffByTable(BRIDGE_ACL_DIFF, o, n);
}
