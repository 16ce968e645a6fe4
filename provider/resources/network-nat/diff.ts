import { placeOf } from "../common/host-schema";
import { planNatTable } from "../../host/nft/nat-model";
import { diffByTable, jsonEqual, type DiffTable } from "../common/diff-table";
import type { DiffResult } from "../common/handler";
import { containsUnknown } from "../common/unknown";
import type { NetworkNatInputs, NetworkNatState } from "./schema";

/** Every rule is rewritten by update (the table is replaced atomically); only a new table name or namespace replaces. */
export const NETWORK_NAT_DIFF: DiffTable<"name" | "sourceCidr" | "outInterface" | "forwards"> = {
  update: ["sourceCidr", "outInterface", "forwards"],
  replace: ["name"],
  // Another name or namespace is another table: the new one can exist beside the old one.
  deleteBeforeReplace: () => false,
};

const field = (h: unknown, k: "netns" | "stateDir"): unknown => (h && typeof h === "object" ? (h as Record<string, unknown>)[k] : undefined);

/**
 * Pure diff of recorded state against new inputs: the table's inputs, the namespace (replace), and drift the last
 * refresh recorded: a ruleset that is not the plan of the new inputs, or ip_forward found off (update repairs both).
 */
export function diffNetworkNat(olds: Partial<NetworkNatState>, news: Partial<NetworkNatInputs>): DiffResult {
  const d = diffByTable(NETWORK_NAT_DIFF, olds as Record<string, unknown>, news as Record<string, unknown>);
  const replaces = [...d.replaces];
  const updates = [...d.updates];
  if (placeOf(olds.host) !== placeOf(news.host)) replaces.push("host");
  else if (!jsonEqual(field(olds.host, "stateDir"), field(news.host, "stateDir"))) updates.push("host");
  const known = !containsUnknown([news.sourceCidr, news.outInterface, news.forwards]);
  if (known && olds.ruleset !== undefined && typeof news.sourceCidr === "string") {
    const plan = planNatTable({ sourceCidr: news.sourceCidr, outInterface: news.outInterface, forwards: news.forwards ?? [] });
    if (!jsonEqual(olds.ruleset, plan)) updates.push("ruleset");
  }
  if (olds.ipForward === false) updates.push("ipForward");
  const changes = replaces.length > 0 || updates.length > 0;
  return { changes, updates, replaces, deleteBeforeReplace: false };
}
