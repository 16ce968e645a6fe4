import type { Host } from "../../host/host";
import { deleteLink, setLinkAlias, setLinkGroup, setLinkUp } from "../../host/ip/link-ops";
import { groupOf, labelledFor, ownerAlias, ownerGroup } from "../common/owner";
import type { IpLink } from "../../host/ip/ip-json";
import type { LinkSnapshot } from "../../host/snapshot/link-snapshot";
import { isFailure } from "../../host/runner/command-error";
import { PartialCreateError, type ResourceContext, type ResourceHandler } from "../common/handler";
import type { HostInput } from "../common/host-schema";
import { hostOf, whereOf } from "../common/host-of";
import { checkVethPair } from "./check";
import { diffVethPair } from "./diff";
import { isVeth, observeVethPair, type ObservedVethPair } from "./observe";
import type { VethPairInputs, VethPairState } from "./schema";
import { messageOf } from "../../host/runner/message-of";

const KIND = "VethPair";


/** Both ends' hosts; the same Host when the peer stays in `name`'s namespace. */
interface Ends {
  end: Host;
  peer: Host;
  sameNamespace: boolean;
}

function endsOf(ctx: ResourceContext, host: HostInput | undefined, peerNetns: string | undefined): Ends {
  const end = hostOf(ctx, host);
  const peerNs = peerNetns ?? host?.netns;
  const sameNamespace = (peerNs ?? "") === (host?.netns ?? "");
  const peer = sameNamespace ? end : hostOf(ctx, { netns: peerNs, stateDir: host?.stateDir });
  return { end, peer, sameNamespace };
}


/** Both namespaces' snapshots (one read when they are the same namespace). */
async function snapshots(ends: Ends, fresh = false): Promise<[LinkSnapshot, LinkSnapshot]> {
  const read = (h: Host) => (fresh ? h.freshLinks() : h.links());
  if (ends.sameNamespace) {
    const s = await read(ends.end);
    return [s, s];
  }
  return Promise.all([read(ends.end), read(ends.peer)]);
}

/** The other end of `end` as the peer namespace has it: by name in one namespace, by ifindex across. */
function peerOf(end: IpLink, peerLinks: LinkSnapshot, sameNamespace: boolean): IpLink | undefined {
  if (sameNamespace) return typeof end.link === "string" ? peerLinks.get(end.link) : undefined;
  const index = end.link_index;
  return peerLinks.links.find((l) => l.ifindex === index && isVeth(l));
}

/** The pair whose first end is `name`, observed in both namespaces; undefined when `name` is not a veth end. */
async function observe(ends: Ends, name: string): Promise<{ end: IpLink; pair?: ObservedVethPair } | undefined> {
  const [endLinks, peerLinks] = await snapshots(ends);
  const end = endLinks.get(name);
  if (!isVeth(end)) return undefined;
  const peer = peerOf(end, peerLinks, ends.sameNamespace);
  return { end, pair: observeVethPair(end, peer, ends.sameNamespace) };
}

function stateFrom(obs: ObservedVethPair, own: Pick<VethPairState, "adopt" | "host" | "created" | "peerNetns">): VethPairState {
  return { ...obs, peerNetns: own.peerNetns, adopt: own.adopt, host: own.host, created: own.created };
}

/** Bring both ends up or down together (one batch when they share a namespace). */
async function setUp(ends: Ends, name: string, peerName: string, up: boolean): Promise<void> {
  const results = await Promise.allSettled([setLinkUp(ends.end, name, up), setLinkUp(ends.peer, peerName, up)]);
  if (!ends.sameNamespace) ends.peer.invalidate(); // the peer's namespace changed too
  const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  if (failed.length > 0) throw failed[0];
}

/** A pair made by an interrupted create of this same resource (it carries our label): ours, so converge and own it. */
async function resumeOwn(ends: Ends, inputs: VethPairInputs, pair: ObservedVethPair, link: IpLink, owner: string) {
  // A create killed before its label was written left only its group mark: write the label now, clear the group.
  await Promise.all([
    link.ifalias === ownerAlias(owner) ? undefined : setLinkAlias(ends.end, inputs.name, ownerAlias(owner)),
    groupOf(link) ? setLinkGroup(ends.end, inputs.name, 0) : undefined,
    pair.up !== inputs.up ? setUp(ends, inputs.name, inputs.peerName, inputs.up) : undefined,
  ]);
  const now = await verifiedPair(ends, inputs);
  return { id: inputs.name, outs: stateFrom(now, { adopt: inputs.adopt, host: inputs.host, created: true, peerNetns: inputs.peerNetns }) };
}

/** Re-read after acting and fail when the pair is not as asked (ip accepting a command is not the kernel keeping it). */
async function verifiedPair(ends: Ends, inputs: Pick<VethPairInputs, "name" | "peerName" | "up">): Promise<ObservedVethPair> {
  const now = await observe(ends, inputs.name);
  if (!now?.pair) throw new Error(`veth pair "${inputs.name}"/"${inputs.peerName}" is not there ${whereOf(ends.end.netns)} after it was changed`);
  if (now.pair.peerName !== inputs.peerName || now.pair.up !== inputs.up)
    throw new Error(
      `veth pair "${inputs.name}" ${whereOf(ends.end.netns)} differs from the plan after it was applied: ` +
        `peer "${now.pair.peerName}" (asked "${inputs.peerName}"), up ${now.pair.up} (asked ${inputs.up})`,
    );
  return now.pair;
}

/** Take over a pair that was there before us: set `up`, never remove it. */
async function adoptExisting(ends: Ends, inputs: VethPairInputs, found: { end: IpLink; pair?: ObservedVethPair }) {
  const { name, peerName } = inputs;
  if (!found.pair || found.pair.peerName !== peerName)
    throw new Error(
      `a veth named "${name}" already exists ${whereOf(ends.end.netns)}, but its peer is not "${peerName}" ${whereOf(ends.peer.netns)}; it cannot be adopted (not even with \`adopt: true\`): choose another name or remove that link`,
    );
  if (!inputs.adopt)
    throw new Error(
      `a veth pair "${name}"/"${peerName}" already exists ${whereOf(ends.end.netns)}; set \`adopt: true\` to manage it (delete then leaves it in place), or choose another name`,
    );
  const own = { adopt: true, host: inputs.host, created: false, peerNetns: inputs.peerNetns };
  if (found.pair.up !== inputs.up) {
    try {
      await setUp(ends, name, peerName, inputs.up);
    } catch (e) {
      // Not ours to remove: record it (adopted) so the next `pulumi up` diffs and retries.
      throw new PartialCreateError(`the adopted veth pair could not be set ${inputs.up ? "up" : "down"}: ${messageOf(e)}`, name, {
        ...stateFrom(found.pair, own),
      });
    }
  }
  const now = await observe(ends, name);
  if (!now?.pair) throw new Error(`veth pair "${name}" vanished ${whereOf(ends.end.netns)} while it was being adopted`);
  return { id: name, outs: stateFrom(now.pair, own) };
}

/** VethPair: `ip link add NAME type veth peer name PEER [netns PEERNS]`, verified by re-reading; delete removes both ends. */
export const vethPairHandler: ResourceHandler<VethPairInputs, VethPairState> = {
  kind: KIND,

  check: (_olds, news) => checkVethPair(news),

  diff: (_id, olds, news) => diffVethPair(olds, news),

  async create(inputs, ctx) {
    const ends = endsOf(ctx, inputs.host, inputs.peerNetns);
    const { name, peerName } = inputs;
    const [endLinks, peerLinks] = await snapshots(ends, true);
    const existing = endLinks.get(name);
    if (existing) {
      const found = await observe(ends, name);
      if (!found)
        throw new Error(
          `a ${existing.linkinfo?.info_kind ?? "device"} link named "${name}" already exists ${whereOf(ends.end.netns)}; it is not a veth, so it cannot be adopted: choose another name or remove that link`,
        );
      if (found.pair?.peerName === peerName && ctx.owner !== undefined && labelledFor(existing, ctx.owner))
        return resumeOwn(ends, inputs, found.pair, existing, ctx.owner);
      return adoptExisting(ends, inputs, found);
    }
    if (peerLinks.get(peerName))
      throw new Error(`a link named "${peerName}" already exists ${whereOf(ends.peer.netns)}; choose another peerName or remove that link`);

    // The owner's group marks the new end as ours until its alias is written (the kernel ignores an alias on add).
    const group = ctx.owner === undefined ? [] : ["group", String(ownerGroup(ctx.owner))];
    const add = ["link", "add", "name", name, ...group, "type", "veth", "peer", "name", peerName];
    if (!ends.sameNamespace) add.push("netns", inputs.peerNetns!);
    try {
      await ends.end.ipWrite(add);
    } catch (e) {
      if (isFailure(e, "exists"))
        throw new Error(`"${name}" or "${peerName}" was made by someone else meanwhile: choose other names, or set \`adopt: true\``, { cause: e });
      throw e;
    } finally {
      if (!ends.sameNamespace) ends.peer.invalidate(); // the peer appeared there
    }
    const own = { adopt: inputs.adopt, host: inputs.host, created: true, peerNetns: inputs.peerNetns };
    try {
      // Label and up in one tick: one batch.
      await Promise.all([
        ctx.owner === undefined ? undefined : setLinkAlias(ends.end, name, ownerAlias(ctx.owner)),
        ctx.owner === undefined ? undefined : setLinkGroup(ends.end, name, 0),
        inputs.up ? setUp(ends, name, peerName, true) : undefined,
      ]);
      return { id: name, outs: stateFrom(await verifiedPair(ends, inputs), own) };
    } catch (e) {
      try {
        await deleteLink(ends.end, name); // undo our own work: deleting one end removes both
        if (!ends.sameNamespace) ends.peer.invalidate();
      } catch (undo) {
        throw new PartialCreateError(`${messageOf(e)}\nand removing the half-made veth pair failed too: ${messageOf(undo)}`, name, {
          ...inputs,
          created: true,
        });
      }
      throw e;
    }
  },

  async read(id, olds, ctx) {
    const ends = endsOf(ctx, olds.host, olds.peerNetns);
    const found = await observe(ends, id);
    // Gone, or the name now belongs to another link (ours was deleted and the name reused): report it gone.
    if (!found || (olds.ifindex !== undefined && found.end.ifindex !== olds.ifindex)) return undefined;
    const own = { adopt: olds.adopt ?? false, host: olds.host ?? {}, created: olds.created === true, peerNetns: olds.peerNetns };
    if (found.pair) return { id, outs: stateFrom(found.pair, own) };
    // The peer was moved out of its namespace: show that as drift (peerName ""), so the next up replaces the pair.
    const e = found.end;
    const outs = { ...olds, ...own, name: e.ifname, up: false, peerName: "", peerMacAddress: "", peerIfindex: 0, macAddress: e.address ?? "", ifindex: e.ifindex };
    return { id, outs };
  },

  async update(id, olds, news, ctx) {
    const ends = endsOf(ctx, news.host, news.peerNetns);
    await snapshots(ends, true);
    const found = await observe(ends, id);
    if (!found?.pair)
      throw new Error(
        `veth pair "${id}" no longer exists as recorded ${whereOf(ends.end.netns)}: run \`pulumi refresh\` to record that; the next \`pulumi up\` creates it again`,
      );
    // Why also olds: the diff saw a difference with the recorded state; the shared snapshot may be older than a drift.
    if (found.pair.up !== news.up || olds.up !== news.up) await setUp(ends, id, found.pair.peerName, news.up);
    const pair = await verifiedPair(ends, { ...news, name: id });
    return stateFrom(pair, { adopt: news.adopt, host: news.host, created: olds.created === true, peerNetns: news.peerNetns });
  },

  async delete(id, olds, ctx) {
    if (olds.created !== true) return; // adopted: it was there before us and stays after us
    const ends = endsOf(ctx, olds.host, olds.peerNetns);
    const link = (await ends.end.freshLinks()).get(id);
    if (!link) return; // already gone (deleting either end removes both)
    // The name now belongs to something else (another kind of link, or a new veth): not ours to delete.
    if (!isVeth(link) || (olds.ifindex !== undefined && link.ifindex !== olds.ifindex)) return;
    await deleteLink(ends.end, id);
    if (!ends.sameNamespace) ends.peer.invalidate();
  },
};
