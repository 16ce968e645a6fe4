import type { Host } from "../../host/host";
import { natTableName, planNatTable, type NatTable } from "../../host/nft/nat-model";
import {
  applyNatTable,
  deleteNatTable,
  isNamespaceGone,
  listNatTables,
  readIpForward,
  readNatTable,
  readNatTableComment,
  setIpForward,
} from "../../host/nft/nat-ops";
import { safeComment } from "../../host/nft/nat-render";
import { messageOf } from "../../host/runner/message-of";
import { checkWithSchema } from "../common/check";
import { jsonEqual } from "../common/diff-table";
import { PartialCreateError, type ResourceHandler } from "../common/handler";
import { hostOf, whereOf } from "../common/host-of";
import { ownerAlias } from "../common/owner";
import { diffNetworkNat } from "./diff";
import { networkNatInputsSchema, type NetworkNatInputs, type NetworkNatState } from "./schema";

const KIND = "NetworkNat";

/** The table's comment for an owner: the same label links carry, made safe for nft's quoted string. */
function commentFor(owner: string | undefined): string | undefined {
  return owner === undefined ? undefined : safeComment(ownerAlias(owner));
}

function planOf(inputs: NetworkNatInputs): NatTable {
  return planNatTable({ sourceCidr: inputs.sourceCidr, outInterface: inputs.outInterface, forwards: inputs.forwards });
}

/** Write the table and re-read it: nft accepting a file is not the kernel holding the plan. */
async function applyVerified(host: Host, table: string, owner: string | undefined, plan: NatTable): Promise<NatTable> {
  await applyNatTable(host, table, commentFor(owner), plan);
  const now = await readNatTable(host, table);
  if (!now || !jsonEqual(now, plan))
    throw new Error(`nft table ip ${table} ${whereOf(host.netns)} differs from the plan after it was loaded: ${JSON.stringify(now ?? "no table")}`);
  return now;
}

/** Turn ip_forward on when it is off; true when this call changed it. */
async function ensureIpForward(host: Host): Promise<boolean> {
  if (await readIpForward(host)) return false;
  await setIpForward(host, true);
  return true;
}

/** Turn ip_forward off again, when we turned it on and no other NetworkNat table remains in the namespace. */
async function restoreIpForward(host: Host, table: string): Promise<void> {
  const others = (await listNatTables(host)).filter((t) => t !== table);
  if (others.length === 0) await setIpForward(host, false);
}

/**
 * NetworkNat: masquerade of a guest network and DNAT forwards from host ports to guests, as one nftables table
 * of its own (`ip qemu_lab_nat_<name>`) in the namespace, replaced atomically; ip_forward turned on there.
 *
 * - Ownership: the table's name is the marker (family ip, prefix `qemu_lab_nat_`); nothing else in the ruleset is
 *   read or written. Its `comment` carries the owner label, so a create finding the table resumes it only when the
 *   label is this resource's (an interrupted create) and refuses any other.
 * - DNAT is in prerouting (connections arriving on any interface) and output (connections the host itself opens, so
 *   `curl host:port` on the host works too), except to 127.0.0.0/8: a DNAT'ed loopback connection would leave with
 *   source 127.0.0.1, which the kernel drops (route_localnet is not touched).
 * - read: the table as it is (`nft -j`, parsed into the renderer's model) and ip_forward as it is. A table deleted by
 *   hand reads as no chains (drift), not as gone, so the next `up` puts it back; only a namespace that is gone makes
 *   the resource gone.
 * - ip_forward: turned on at create and update when off (`ipForwardChanged` then true). Delete turns it off again
 *   only when this NAT turned it on and no other `qemu_lab_nat_` table remains in the namespace. A NAT that found it
 *   on never turns it off, even when it is the last one (it cannot know who else relies on it).
 * - Not done: filter rules. A `forward` filter chain with policy drop elsewhere (Docker's, a firewall's) still drops
 *   the forwarded traffic; and hairpin NAT (a guest reaching another guest through the host's forwarded port) is not
 *   masqueraded.
 */
export const networkNatHandler: ResourceHandler<NetworkNatInputs, NetworkNatState> = {
  kind: KIND,

  check: (_olds, news) => checkWithSchema(networkNatInputsSchema(), news),

  diff: (_id, olds, news) => diffNetworkNat(olds, news),

  async create(inputs, ctx) {
    const host = hostOf(ctx, inputs.host);
    const table = natTableName(inputs.name);
    if ((await readNatTable(host, table)) !== undefined) {
      // Ours only when it carries this resource's label: a create killed before Pulumi recorded it.
      const comment = await readNatTableComment(host, table);
      if (comment === undefined || comment !== commentFor(ctx.owner))
        throw new Error(
          `nft table ip ${table} already exists ${whereOf(host.netns)}${comment ? ` (comment "${comment}")` : ""}: another NetworkNat (or a stack that is gone) uses the name "${inputs.name}"; ` +
            `choose another name, or remove that table (\`nft delete table ip ${table}\`) if nothing uses it`,
        );
    }
    const plan = planOf(inputs);
    let changed = false;
    try {
      const ruleset = await applyVerified(host, table, ctx.owner, plan);
      changed = await ensureIpForward(host);
      return { id: inputs.name, outs: { ...inputs, table, ruleset, ipForward: true, ipForwardChanged: changed } };
    } catch (e) {
      // Undo our own work: the table we wrote, and ip_forward when we turned it on.
      try {
        await deleteNatTable(host, table);
        if (changed) await restoreIpForward(host, table);
      } catch (undo) {
        throw new PartialCreateError(`${messageOf(e)}\nand removing the half-made table failed too: ${messageOf(undo)}`, inputs.name, {
          ...inputs,
          table,
          ruleset: { chains: [] },
          ipForward: changed,
          ipForwardChanged: changed,
        });
      }
      throw e;
    }
  },

  async read(id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    const table = olds.table ?? natTableName(olds.name ?? id);
    let ipForward: boolean;
    try {
      ipForward = await readIpForward(host);
    } catch (e) {
      if (isNamespaceGone(e)) return undefined; // the namespace went, and the table with it
      throw e;
    }
    // A table deleted by hand reads as no chains: drift the next `up` repairs (not "gone", which would recreate
    // it only after a refresh had dropped the resource from the state).
    const ruleset = (await readNatTable(host, table)) ?? { chains: [] };
    return { id, outs: { ...olds, table, ruleset, ipForward, ipForwardChanged: olds.ipForwardChanged === true } };
  },

  async update(id, olds, news, ctx) {
    const host = hostOf(ctx, news.host);
    const table = natTableName(news.name);
    const ruleset = await applyVerified(host, table, ctx.owner, planOf(news));
    // Turned off by hand since: on again, and ours to turn off at delete.
    const changed = await ensureIpForward(host);
    return { ...news, table, ruleset, ipForward: true, ipForwardChanged: olds.ipForwardChanged === true || changed };
  },

  async delete(id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    const table = olds.table ?? natTableName(olds.name ?? id);
    try {
      await deleteNatTable(host, table);
      if (olds.ipForwardChanged === true) await restoreIpForward(host, table);
    } catch (e) {
      if (isNamespaceGone(e)) return; // nothing left to remove
      throw e;
    }
  },
};
