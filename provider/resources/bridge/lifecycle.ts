import type { Host } from "../../host/host";
import { isBridgeLink, linkKindOf, observeBridge, type ObservedBridge } from "../../host/ip/bridge-state";
import { addBridge, deleteLink } from "../../host/ip/link-ops";
import type { IpLink } from "../../host/ip/ip-json";
import { isFailure } from "../../host/runner/command-error";
import { PartialCreateError, type ResourceHandler } from "../common/handler";
import { hostOf, whereOf } from "../common/host-of";
import { groupOf, labelledFor, ownerAlias, ownerGroup } from "../common/owner";
import { checkBridge } from "./check";
import { converge, observe, verifyConverged } from "./converge";
import { diffBridge } from "./diff";
import type { BridgeInputs, BridgeState } from "./schema";
import { messageOf } from "../../host/runner/message-of";

const KIND = "Bridge";


/** State from what the host reports plus what only we know (ownership, where it lives). */
function stateFrom(obs: ObservedBridge, own: Pick<BridgeState, "adopt" | "host" | "created">): BridgeState {
  const { name, addresses, mtu, stp, up, macAddress, ifindex } = obs;
  return { name, addresses, mtu, stp, up, adopt: own.adopt, host: own.host, macAddress, ifindex, created: own.created };
}

function existsMessage(name: string, host: Host): string {
  return `a bridge named "${name}" already exists ${whereOf(host.netns)}; set \`adopt: true\` to manage it (delete then leaves it in place), or choose another name`;
}

/**
 * A bridge carrying this resource's own label was made by a create of ours that did not finish (the provider was
 * killed before Pulumi recorded it): it is ours, so converge it and own it.
 */
async function resumeOwn(host: Host, inputs: BridgeInputs, link: IpLink, label: string): Promise<{ id: string; outs: BridgeState }> {
  const keep = inputs.addresses ?? [];
  const current = { ...observeBridge(link, keep)!, alias: link.ifalias, group: groupOf(link) };
  await converge(host, inputs.name, current, { ...inputs, alias: label }); // a create killed before its alias: write it now
  const obs = await verifyConverged(host, inputs.name, inputs);
  return { id: inputs.name, outs: stateFrom(obs, { adopt: inputs.adopt, host: inputs.host, created: true }) };
}

/** Take over a bridge that was there before us: converge it, never remove it. */
async function adoptExisting(host: Host, inputs: BridgeInputs, link: IpLink): Promise<{ id: string; outs: BridgeState }> {
  const { name } = inputs;
  const keep = inputs.addresses ?? [];
  const current = observeBridge(link, keep);
  if (!current)
    throw new Error(
      `a ${linkKindOf(link)} link named "${name}" already exists ${whereOf(host.netns)}; it is not a bridge, so it cannot be adopted (not even with \`adopt: true\`): choose another name or remove that link`,
    );
  if (!inputs.adopt) throw new Error(existsMessage(name, host));
  const own = { adopt: true, host: inputs.host, created: false };
  try {
    await converge(host, name, current, inputs);
    return { id: name, outs: stateFrom(await verifyConverged(host, name, inputs), own) };
  } catch (e) {
    // Not ours to remove: record it (adopted) so the next `pulumi up` diffs and retries.
    const now = (await observe(host, name, keep).catch(() => undefined)) ?? current;
    throw new PartialCreateError(`the adopted bridge could not be brought to the inputs: ${messageOf(e)}`, name, { ...stateFrom(now, own) });
  }
}

/** Bridge: ensure, verify by re-reading, and tear down only what we made. */
export const bridgeHandler: ResourceHandler<BridgeInputs, BridgeState> = {
  kind: KIND,

  check: (_olds, news) => checkBridge(news),

  diff: (_id, olds, news) => diffBridge(olds, news),

  async create(inputs, ctx) {
    const host = hostOf(ctx, inputs.host);
    const { name } = inputs;
    const existing = (await host.freshLinks()).get(name);
    const label = ctx.owner === undefined ? undefined : ownerAlias(ctx.owner);
    if (existing && label !== undefined && labelledFor(existing, ctx.owner) && isBridgeLink(existing)) return resumeOwn(host, inputs, existing, label);
    if (existing) return adoptExisting(host, inputs, existing);

    try {
      // MTU is set afterwards: only then does the kernel keep it when ports join. The owner's group marks the bridge
      // as ours until the alias is written (the kernel ignores an alias on add).
      await addBridge(host, name, { stp: inputs.stp, group: ctx.owner === undefined ? undefined : ownerGroup(ctx.owner) });
    } catch (e) {
      if (!isFailure(e, "exists")) throw e;
      // The name was taken after the shared read we decided on (it may be up to a second old):
      // look again (the failed write made the next read fresh) and treat it as an existing link.
      const now = (await host.links()).get(name);
      if (now) return adoptExisting(host, inputs, now);
      throw new Error(existsMessage(name, host), { cause: e });
    }
    const own = { adopt: inputs.adopt, host: inputs.host, created: true };
    try {
      const fresh = { addresses: [], stp: inputs.stp ?? false, up: false, group: ctx.owner === undefined ? 0 : ownerGroup(ctx.owner) };
      await converge(host, name, fresh, { ...inputs, alias: label });
      const obs = await verifyConverged(host, name, inputs);
      return { id: name, outs: stateFrom(obs, own) };
    } catch (e) {
      try {
        await deleteLink(host, name); // undo our own partial work: this bridge is ours
      } catch (undo) {
        const now = await observe(host, name, inputs.addresses ?? []).catch(() => undefined);
        const props = now ? stateFrom(now, own) : { ...inputs, created: true };
        throw new PartialCreateError(`${messageOf(e)}\nand removing the half-made bridge failed too: ${messageOf(undo)}`, name, { ...props });
      }
      throw e;
    }
  },

  async read(id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    // A link of this name that is not a bridge is not our object (ours was deleted and the name
    // reused): report it gone, so refresh drops it and the next `up` refuses to take over the name.
    const obs = await observe(host, id, olds.addresses ?? []);
    if (!obs) return undefined;
    return { id, outs: stateFrom(obs, { adopt: olds.adopt ?? false, host: olds.host ?? {}, created: olds.created === true }) };
  },

  async update(id, olds, news, ctx) {
    const host = hostOf(ctx, news.host);
    await host.freshLinks();
    // Old addresses count as ours too, so a link-local address dropped from the inputs is removed.
    const current = await observe(host, id, [...(olds.addresses ?? []), ...(news.addresses ?? [])]);
    if (!current)
      throw new Error(
        `bridge "${id}" no longer exists ${whereOf(host.netns)} (or the name now belongs to another kind of link): run \`pulumi refresh\` to record that; the next \`pulumi up\` creates it again`,
      );
    await converge(host, id, current, news);
    const obs = await verifyConverged(host, id, news);
    return stateFrom(obs, { adopt: news.adopt, host: news.host, created: olds.created === true });
  },

  async delete(id, olds, ctx) {
    if (olds.created !== true) return; // adopted: it was there before us and stays after us
    const host = hostOf(ctx, olds.host);
    const link = (await host.freshLinks()).get(id);
    if (!link) return; // already gone
    // The name now belongs to something else: another kind of link, or a bridge re-made out of band
    // (new ifindex). Not ours to delete. Ports are never touched: the kernel releases them.
    if (!isBridgeLink(link) || (olds.ifindex !== undefined && link.ifindex !== olds.ifindex)) return;
    await deleteLink(host, id);
  },
};
