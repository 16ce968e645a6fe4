import type { Host } from "../../host/host";
import { isBridgeLink, linkKindOf } from "../../host/ip/bridge-state";
import type { IpLink } from "../../host/ip/ip-json";
import { deleteLink, setLinkAlias, setLinkGroup } from "../../host/ip/link-ops";
import { vxlanAddArgs } from "../../host/ip/vxlan-argv";
import { changeFloodEntries, readFdb } from "../../host/ip/vxlan-fdb";
import { isVxlanLink, linkHoldingAddress, vxlanInfoOf } from "../../host/ip/vxlan-link";
import { isLoweredNote, loweredNote, mtuWarnings, tunnelMtu } from "../../host/ip/vxlan-mtu";
import { isFailure } from "../../host/runner/command-error";
import { messageOf } from "../../host/runner/message-of";
import type { LinkSnapshot } from "../../host/snapshot/link-snapshot";
import { combineErrors } from "../bridge/converge";
import { PartialCreateError, type ResourceHandler } from "../common/handler";
import { hostOf, whereOf } from "../common/host-of";
import { groupOf, labelledFor, ownerAlias, ownerGroup } from "../common/owner";
import { checkVxlanTunnel } from "./check";
import { diffVxlanTunnel } from "./diff";
import { identityMismatch, observeTunnel, type ObservedTunnel } from "./observe";
import { describePlan, isEmptyPlan, planTunnel, type CurrentTunnel, type DesiredTunnel } from "./plan";
import type { VxlanTunnelInputs, VxlanTunnelState } from "./schema";

const KIND = "VxlanTunnel";

const where = (host: Host): string => whereOf(host.netns, host);

/** The device `name` and its flood entries as the host has them now; `obs` undefined when it is not a VXLAN device. */
async function look(host: Host, name: string, fresh: boolean): Promise<{ links: LinkSnapshot; link?: IpLink; obs?: ObservedTunnel }> {
  const links = fresh ? await host.freshLinks() : await host.links();
  const link = links.get(name);
  if (!isVxlanLink(link)) return { links, link };
  const fdb = await readFdb(host, name);
  if (!fdb) return { links }; // deleted between the two reads
  return { links, link, obs: observeTunnel(link, fdb) };
}

/** The bridge the tunnel joins, or an error saying what to do. */
function bridgeLink(links: LinkSnapshot, bridge: string, host: Host): IpLink {
  const link = links.get(bridge);
  if (!link)
    throw new Error(
      `bridge "${bridge}" does not exist ${where(host)}: create it first (a Bridge resource; pass its \`name\` output as \`bridge\` so Pulumi makes it before the tunnel)`,
    );
  if (!isBridgeLink(link)) throw new Error(`"${bridge}" ${where(host)} is a ${linkKindOf(link)} link, not a bridge: a tunnel can only join a bridge`);
  return link;
}

/** State from what the host reports plus what only we know; warnings recomputed from the host, plus `notes`. */
function stateFrom(obs: ObservedTunnel, links: LinkSnapshot, own: Pick<VxlanTunnelState, "adopt" | "host" | "created">, notes: string[]): VxlanTunnelState {
  const bridge = obs.bridge ? links.get(obs.bridge) : undefined;
  const underlay = obs.localAddress ? linkHoldingAddress(links.links, obs.localAddress) : undefined;
  const facts = {
    name: obs.name,
    bridge: obs.bridge,
    tunnelMtu: obs.mtu,
    bridgeMtu: bridge?.mtu,
    underlay: underlay && { name: underlay.ifname, mtu: underlay.mtu },
    localAddress: obs.localAddress,
    ports: obs.bridge ? links.portsOf(obs.bridge).map((p) => ({ name: p.ifname, mtu: p.mtu })) : [],
  };
  return {
    name: obs.name,
    vni: obs.vni,
    localAddress: obs.localAddress,
    port: obs.port,
    remotes: obs.remotes,
    bridge: obs.bridge,
    mtu: obs.mtu,
    up: obs.up,
    adopt: own.adopt,
    host: own.host,
    underlay: underlay?.ifname ?? "",
    macAddress: obs.macAddress,
    ifindex: obs.ifindex,
    warnings: [...notes, ...mtuWarnings(facts)],
    created: own.created,
  };
}

/** The ownership label to write on a device: alias, and clear the group that marked it until then. */
interface Label {
  alias: string;
  clearGroup: boolean;
}

/**
 * Bring the device from `cur` to `want`: `ip` writes in one batch (label, MTUs, master, up), flood entries beside it.
 * Returns the note when the bridge's MTU was lowered. Every failure is collected; none stops the others.
 */
async function converge(host: Host, cur: CurrentTunnel, want: DesiredTunnel, links: LinkSnapshot, label?: Label): Promise<string[]> {
  const plan = planTunnel(cur, want, bridgeLink(links, want.bridge, host).mtu);
  const writes: Promise<void>[] = [];
  if (label) writes.push(setLinkAlias(host, want.name, label.alias));
  if (label?.clearGroup) writes.push(setLinkGroup(host, want.name, 0));
  for (const args of plan.ip) writes.push(host.ipWrite(args)); // same tick: one `ip -batch`, in order
  writes.push(changeFloodEntries(host, want.name, plan.removeFlood, plan.addFlood));
  const errors = (await Promise.allSettled(writes)).flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (errors.length > 0) throw combineErrors(errors);
  return plan.lowerBridgeFrom === undefined ? [] : [loweredNote(want.bridge, plan.lowerBridgeFrom, want.mtu)];
}

/** Re-read after acting and fail when the device is not as planned (`ip` and `bridge` accepting is not the kernel keeping). */
async function verified(host: Host, want: DesiredTunnel & { vni: number; localAddress: string; port: number }) {
  const { links, obs } = await look(host, want.name, true);
  if (!obs) throw new Error(`vxlan device "${want.name}" is not there ${where(host)} after it was changed`);
  const mismatch = identityMismatch(obs, want);
  if (mismatch) throw new Error(`vxlan device "${want.name}" ${where(host)} changed under us: it now has ${mismatch}`);
  const bridgeMtu = links.get(want.bridge)?.mtu ?? 0;
  const left = planTunnel(obs, want, bridgeMtu);
  if (!isEmptyPlan(left))
    throw new Error(
      `vxlan device "${want.name}" ${where(host)} differs from the plan after it was applied: still to do ${describePlan(left, want.name)} ` +
        `(the kernel has ${JSON.stringify({ mtu: obs.mtu, up: obs.up, bridge: obs.bridge, remotes: obs.remotes, bridgeMtu })})`,
    );
  return { links, obs };
}

/** What the inputs ask for, with the MTU decided. */
function desired(inputs: VxlanTunnelInputs, mtu: number): DesiredTunnel & { vni: number; localAddress: string; port: number } {
  return { name: inputs.name, bridge: inputs.bridge, mtu, up: inputs.up, remotes: inputs.remotes, vni: inputs.vni, localAddress: inputs.localAddress, port: inputs.port };
}

function existsMessage(name: string, host: Host): string {
  return `a vxlan device named "${name}" already exists ${where(host)}; set \`adopt: true\` to manage it (delete then leaves it in place), or choose another name`;
}

/** An existing device: resumed when it carries our label, adopted when asked, refused otherwise (and always when it differs). */
async function takeOver(host: Host, inputs: VxlanTunnelInputs, link: IpLink, mtu: number, owner: string | undefined) {
  const { links, obs } = await look(host, inputs.name, false);
  if (!obs)
    throw new Error(
      `a ${linkKindOf(link)} link named "${inputs.name}" already exists ${where(host)}; it is not a vxlan device, so it cannot be adopted: choose another name or remove that link`,
    );
  const mismatch = identityMismatch(obs, inputs);
  if (mismatch)
    throw new Error(
      `a vxlan device named "${inputs.name}" already exists ${where(host)} with ${mismatch}; it cannot be adopted (not even with \`adopt: true\`): choose another name or remove that device`,
    );
  const alias = owner !== undefined && labelledFor(link, owner) ? ownerAlias(owner) : undefined;
  const mine = alias !== undefined;
  if (!mine && !inputs.adopt) throw new Error(existsMessage(inputs.name, host));
  const own = { adopt: inputs.adopt, host: inputs.host, created: mine };
  // Ours (an interrupted create): the MTU rule as for a new device; adopted: its MTU stays unless one is asked for.
  const want = desired(inputs, inputs.mtu ?? (mine ? mtu : obs.mtu));
  // A create of ours killed before its label was written left only its group mark: write the label now.
  const label = mine && (link.ifalias !== alias || groupOf(link) !== 0) ? { alias, clearGroup: groupOf(link) !== 0 } : undefined;
  try {
    const notes = await converge(host, obs, want, links, label);
    const now = await verified(host, want);
    return { id: inputs.name, outs: stateFrom(now.obs, now.links, own, notes) };
  } catch (e) {
    if (mine) throw e; // ours: the next up resumes it again
    // Not ours to remove: record it (adopted) so the next `pulumi up` diffs and retries.
    const now = await look(host, inputs.name, true).catch(() => undefined);
    throw new PartialCreateError(`the adopted vxlan device could not be brought to the inputs: ${messageOf(e)}`, inputs.name, {
      ...stateFrom(now?.obs ?? obs, now?.links ?? links, own, []),
    });
  }
}

/** Why `ip link add` said "exists" when no link of that name is there: another device has this VNI and port. */
function vniClashMessage(links: LinkSnapshot, inputs: VxlanTunnelInputs, host: Host): string {
  const other = links.links.find((l) => {
    const info = isVxlanLink(l) ? vxlanInfoOf(l) : undefined;
    return info?.vni === inputs.vni && info.port === inputs.port;
  });
  return (
    `another vxlan device${other ? ` ("${other.ifname}")` : ""} ${where(host)} already has VNI ${inputs.vni} on port ${inputs.port}: ` +
    "the kernel allows one per namespace; remove it, adopt it under its own name, or choose another vni or port"
  );
}

/**
 * VxlanTunnel: `ip link add NAME type vxlan id VNI local LOCAL dstport PORT nolearning`, a flood entry per remote
 * (`bridge fdb append 00:00:00:00:00:00 dev NAME dst REMOTE`), enslaved to `bridge` and up; verified by re-reading.
 */
export const vxlanTunnelHandler: ResourceHandler<VxlanTunnelInputs, VxlanTunnelState> = {
  kind: KIND,

  check: (_olds, news) => checkVxlanTunnel(news),

  diff: (_id, olds, news) => diffVxlanTunnel(olds, news),

  async create(inputs, ctx) {
    const host = hostOf(ctx, inputs.host);
    const { name } = inputs;
    const links = await host.freshLinks();
    const underlay = linkHoldingAddress(links.links, inputs.localAddress);
    if (!underlay)
      throw new Error(
        `no link ${where(host)} holds localAddress ${inputs.localAddress}: the tunnel's packets leave from the link with that address (its MTU sets the default mtu); ` +
          "add the address to the underlay link first, or correct localAddress",
      );
    const m = tunnelMtu(inputs.mtu, underlay.mtu);
    if ("error" in m) throw new Error(`underlay "${underlay.ifname}" ${where(host)}: ${m.error}, or set mtu`);
    bridgeLink(links, inputs.bridge, host);

    const existing = links.get(name);
    if (existing) return takeOver(host, inputs, existing, m.mtu, ctx.owner);

    // The owner's group marks the new device as ours until its alias is written (the kernel ignores an alias on add).
    const group = ctx.owner === undefined ? undefined : ownerGroup(ctx.owner);
    try {
      await host.ipWrite(vxlanAddArgs({ name, vni: inputs.vni, localAddress: inputs.localAddress, port: inputs.port, mtu: m.mtu, group }));
    } catch (e) {
      if (!isFailure(e, "exists")) throw e;
      const now = await host.links(); // the failed write made the next read fresh
      if (now.get(name)) throw new Error(`"${name}" was made by someone else meanwhile: choose another name, or set \`adopt: true\``, { cause: e });
      throw new Error(vniClashMessage(now, inputs, host), { cause: e });
    }
    const own = { adopt: inputs.adopt, host: inputs.host, created: true };
    const want = desired(inputs, m.mtu);
    try {
      const fresh: CurrentTunnel = { mtu: m.mtu, up: false, bridge: "", flood: [] };
      const label = ctx.owner === undefined ? undefined : { alias: ownerAlias(ctx.owner), clearGroup: true };
      const notes = await converge(host, fresh, want, await host.links(), label);
      const now = await verified(host, want);
      return { id: name, outs: stateFrom(now.obs, now.links, own, notes) };
    } catch (e) {
      try {
        await deleteLink(host, name); // undo our own work: the device (and its flood entries) is ours
      } catch (undo) {
        throw new PartialCreateError(`${messageOf(e)}\nand removing the half-made vxlan device failed too: ${messageOf(undo)}`, name, {
          ...inputs,
          mtu: m.mtu,
          created: true,
        });
      }
      throw e;
    }
  },

  async read(id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    const { links, obs } = await look(host, id, false);
    // Gone, or the name now belongs to another link (ours was deleted and the name reused): report it gone.
    if (!obs || (olds.ifindex !== undefined && obs.ifindex !== olds.ifindex)) return undefined;
    const own = { adopt: olds.adopt ?? false, host: olds.host ?? {}, created: olds.created === true };
    return { id, outs: stateFrom(obs, links, own, (olds.warnings ?? []).filter(isLoweredNote)) };
  },

  async update(id, olds, news, ctx) {
    const host = hostOf(ctx, news.host);
    const { links, obs } = await look(host, id, true);
    if (!obs || (olds.ifindex !== undefined && obs.ifindex !== olds.ifindex))
      throw new Error(
        `vxlan device "${id}" no longer exists as recorded ${where(host)}: run \`pulumi refresh\` to record that; the next \`pulumi up\` creates it again`,
      );
    const mismatch = identityMismatch(obs, news);
    if (mismatch) throw new Error(`vxlan device "${id}" ${where(host)} now has ${mismatch}: run \`pulumi refresh\`; the next \`pulumi up\` replaces it`);
    // mtu unset: the device keeps the MTU it was made with.
    const want = desired({ ...news, name: id }, news.mtu ?? obs.mtu);
    const lowered = await converge(host, obs, want, links);
    const now = await verified(host, want);
    const notes = lowered.length > 0 ? lowered : (olds.warnings ?? []).filter(isLoweredNote);
    return stateFrom(now.obs, now.links, { adopt: news.adopt, host: news.host, created: olds.created === true }, notes);
  },

  async delete(id, olds, ctx) {
    if (olds.created !== true) return; // adopted: it was there before us and stays after us
    const host = hostOf(ctx, olds.host);
    const link = (await host.freshLinks()).get(id);
    if (!link) return; // already gone
    // The name now belongs to something else (another kind of link, or a device re-made out of band): not ours.
    if (!isVxlanLink(link) || (olds.ifindex !== undefined && link.ifindex !== olds.ifindex)) return;
    await deleteLink(host, id); // its flood entries go with it
  },
};
