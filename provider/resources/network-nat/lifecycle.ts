import type { Host } from "../../host/host";
import { dropIpForwardClaim, readIpForward, releaseIpForward, turnOnIpForward } from "../../host/nft/ip-forward";
import { natTableName, noNatTable, planNatTable, type NatTable } from "../../host/nft/nat-model";
import {
  applyNatTable,
  deleteNatTable,
  isNamespaceGone,
  listNatTables,
  readNatTable,
  readNatTableComment,
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

/**
 * Remove the other `qemu_lab_nat_` tables of the namespace that carry this owner's label: left by a create of this
 * resource that was killed before Pulumi recorded it (an auto-name is new at each try), or the table a replace is
 * about to delete anyway. Runs after our own table is in place, so there is no moment without NAT.
 */
async function removeLeftovers(host: Host, table: string, label: string | undefined): Promise<void> {
  if (label === undefined) return;
  for (const other of await listNatTables(host)) {
    if (other !== table && (await readNatTableComment(host, other)) === label) await deleteNatTable(host, other);
  }
}

/** In the namespace: `ip netns exec NS ` before a command a person would run. */
const inNs = (host: Host): string => (host.netns ? `ip netns exec ${host.netns} ` : "");

/**
 * NetworkNat: masquerade of a guest network and DNAT forwards from host ports to guests, as one nftables table
 * of its own (`ip qemu_lab_nat_<name>`) in the namespace, replaced atomically; ip_forward turned on there.
 *
 * - Ownership: the table's name is the marker (family ip, prefix `qemu_lab_nat_`); nothing else in the ruleset is
 *   read or written. Its `comment` carries the owner label (cut to nft's 128 characters keeping the `#tag`), so a
 *   create finding the table resumes it only when the label is this resource's (an interrupted create) and refuses
 *   any other. A create also removes the other `qemu_lab_nat_` tables with this resource's label (an interrupted
 *   auto-named create, or the table a replace deletes next), after its own is in place. Delete refuses a table with
 *   another label (ours was removed and another owner made one of the same name); no label or ours: deleted.
 * - DNAT is in prerouting (connections arriving on any interface) and output (connections the host itself opens, so
 *   `curl host:port` on the host works too), except to 127.0.0.0/8: a DNAT'ed loopback connection would leave with
 *   source 127.0.0.1, which the kernel drops (route_localnet is not touched), and a neighbour's packet to 127/8 would
 *   otherwise be DNAT'ed to the guest before the kernel could drop it as a martian.
 * - postrouting mirrors libvirt's NAT network (its iptables `LIBVIRT_PRT` chain): 224.0.0.0/24 and 255.255.255.255
 *   exempt (`return`), TCP/UDP masqueraded to source ports 1024–65535, the rest masqueraded; plus hairpin NAT
 *   (`ct status dnat` inside the network), so a guest reaches a guest through the host's forwarded port. check
 *   refuses a forward to an address outside `sourceCidr`: its replies would not come back through this NAT.
 * - read: the table as it is (`nft -j`, parsed into the renderer's model, with the flags and comment of the text
 *   listing, which nft 1.0.6's -j gets wrong) and ip_forward as it is. A dormant flag, a set/map/counter added to the
 *   table, a changed chain or rule all show as drift; update replaces the whole table. A table deleted by hand reads
 *   as no chains (drift), not as gone, so the next `up` puts it back; only a namespace that is gone makes the
 *   resource gone.
 * - ip_forward: turned on at create and update when off, after writing a claim (/run/qemu-lab/ip-forward/<netns>,
 *   tmpfs like the sysctl). The last `qemu_lab_nat_` table of the namespace to go (delete, or a failed create's
 *   undo) turns it off again when the claim is there, whatever the order the NATs go in. Forwarding that no
 *   NetworkNat turned on is never turned off.
 * - Not done: filter rules. A `forward` filter chain with policy drop elsewhere (Docker's, a firewall's) still drops
 *   the forwarded traffic.
 */
export const networkNatHandler: ResourceHandler<NetworkNatInputs, NetworkNatState> = {
  kind: KIND,

  check: (_olds, news) => checkWithSchema(networkNatInputsSchema(), news),

  diff: (_id, olds, news) => diffNetworkNat(olds, news),

  async create(inputs, ctx) {
    const host = hostOf(ctx, inputs.host);
    const table = natTableName(inputs.name);
    const label = commentFor(ctx.owner);
    if ((await readNatTable(host, table)) !== undefined) {
      // Ours only when it carries this resource's label: a create killed before Pulumi recorded it.
      const comment = await readNatTableComment(host, table);
      if (comment === undefined || comment !== label)
        throw new Error(
          `nft table ip ${table} already exists ${whereOf(host.netns)}${comment ? ` (comment "${comment}")` : ""}: another NetworkNat (or a stack that is gone) uses the name "${inputs.name}"; ` +
            `choose another name, or remove that table (\`${inNs(host)}nft delete table ip ${table}\`) if nothing uses it`,
        );
    }
    const plan = planOf(inputs);
    let claimed = false;
    try {
      const ruleset = await applyVerified(host, table, ctx.owner, plan);
      const changed = await turnOnIpForward(host, () => (claimed = true));
      await removeLeftovers(host, table, label);
      return { id: inputs.name, outs: { ...inputs, table, ruleset, ipForward: true, ipForwardChanged: changed } };
    } catch (e) {
      // Undo our own work: the table we wrote, and ip_forward when no NAT table is left and a NAT turned it on.
      try {
        await deleteNatTable(host, table);
        await releaseIpForward(host);
      } catch (undo) {
        throw new PartialCreateError(`${messageOf(e)}\nand removing the half-made table failed too: ${messageOf(undo)}`, inputs.name, {
          ...inputs,
          table,
          ruleset: noNatTable(),
          ipForward: claimed,
          ipForwardChanged: claimed,
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
    const ruleset = (await readNatTable(host, table)) ?? noNatTable();
    return { id, outs: { ...olds, table, ruleset, ipForward, ipForwardChanged: olds.ipForwardChanged === true } };
  },

  async update(id, olds, news, ctx) {
    const host = hostOf(ctx, news.host);
    const table = natTableName(news.name);
    const ruleset = await applyVerified(host, table, ctx.owner, planOf(news));
    // Turned off by hand since: on again (claimed, so the last NAT to go turns it off).
    const changed = await turnOnIpForward(host);
    return { ...news, table, ruleset, ipForward: true, ipForwardChanged: olds.ipForwardChanged === true || changed };
  },

  async delete(id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    const table = olds.table ?? natTableName(olds.name ?? id);
    try {
      // Ours vanished and another owner made a table of the same name: theirs, not ours to delete.
      const comment = await readNatTableComment(host, table);
      if (comment !== undefined && comment !== commentFor(ctx.owner))
        throw new Error(
          `nft table ip ${table} ${whereOf(host.netns)} carries comment "${comment}", not this resource's label: another NetworkNat owns it now ` +
            `(this one's table was removed). Not deleted; if nothing uses it, remove it with \`${inNs(host)}nft delete table ip ${table}\`, ` +
            `or drop this resource from the stack with \`pulumi state delete\``,
        );
      await deleteNatTable(host, table);
      await releaseIpForward(host);
    } catch (e) {
      if (!isNamespaceGone(e)) throw e;
      await dropIpForwardClaim(host); // nothing left to remove: the namespace took its forwarding with it
    }
  },
};
