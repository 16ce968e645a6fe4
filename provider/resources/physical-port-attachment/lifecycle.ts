import type { Host } from "../../host/host";
import { hostOf } from "../common/host-of";
import { announceAddresses } from "../../host/ip/announce";
import { isUp, type IpLink } from "../../host/ip/ip-json";
import {
  addressToMove,
  attachPlan,
  giveBackPlan,
  runPhases,
  type AddressToMove,
  type Phase,
} from "../../host/ip/port-move";
import { readAllRoutes, routeKey, routesThrough, type MovedRoute } from "../../host/ip/route-ops";
import type { LinkSnapshot } from "../../host/snapshot/link-snapshot";
import { isFailure } from "../../host/runner/command-error";
import { checkWithSchema } from "../common/check";
import { resourceError, type ResourceHandler } from "../common/handler";
import { diffPhysicalPortAttachment } from "./diff";
import {
  movedStateSchema,
  physicalPortAttachmentInputsSchema,
  type MovedState,
  type PhysicalPortAttachmentInputs,
  type PhysicalPortAttachmentState,
} from "./schema";
import { claimPort, portClaim, releasePort } from "../../host/ip/port-claims";
import { requireTopology, whereOf } from "./topology";

const KIND = "PhysicalPortAttachment";
const NOTHING_MOVED: MovedState = { movedTo: "", movedAddresses: [], movedRoutes: [] };

/** The port names the attachment (qualified by namespace): one port has at most one master. */
function idOf(i: PhysicalPortAttachmentInputs): string {
  return i.host.netns ? `${i.host.netns}/${i.port}` : i.port;
}

/** Links of the host, or undefined when its namespace is gone (then so is the port). */
async function linksOrGone(host: Host, fresh = false): Promise<LinkSnapshot | undefined> {
  try {
    return await (fresh ? host.freshLinks() : host.links());
  } catch (e) {
    if (isFailure(e, "not-found")) return undefined;
    throw e;
  }
}

/** What state recorded as moved, validated: it goes back onto command lines. */
function movedOf(olds: Partial<PhysicalPortAttachmentState>): MovedState {
  const r = movedStateSchema().safeParse({ movedTo: olds.movedTo, movedAddresses: olds.movedAddresses, movedRoutes: olds.movedRoutes });
  if (!r.success) throw new Error(`recorded moved addresses/routes are malformed: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return r.data;
}

/** Recorded addresses with the flags they now carry on `holder` (broadcast, noprefixroute). */
function addressesToReturn(cidrs: readonly string[], holder: IpLink | undefined): AddressToMove[] {
  return cidrs.map((cidr) => {
    const entry = holder?.addr_info.find((a) => `${a.local}/${a.prefixlen}` === cidr);
    return entry ? addressToMove(entry) : { cidr, family: cidr.includes(":") ? "inet6" : "inet" };
  });
}

function nomaster(port: string): Phase[] {
  return [[{ args: ["link", "set", "dev", port, "nomaster"] }]];
}

function uniqueRoutes(routes: readonly MovedRoute[]): MovedRoute[] {
  const seen = new Map<string, MovedRoute>();
  for (const r of routes) if (!seen.has(routeKey(r))) seen.set(routeKey(r), r);
  return [...seen.values()];
}

/**
 * Ensure `port` is up and enslaved to `bridge`, moving its addresses and routes when asked; on a
 * failure part-way, give back what this call moved and release what it enslaved. Returns the
 * port as re-read after acting and everything moved so far (`prior` plus this call's).
 */
async function attach(
  host: Host,
  inputs: PhysicalPortAttachmentInputs,
  prior: MovedState,
  beforeActing?: (moved: MovedState) => Promise<void>,
): Promise<{ port: IpLink; moved: MovedState }> {
  const { portLink, bridgeLink } = requireTopology(await host.links(), inputs, host.netns);
  let addresses: AddressToMove[] = [];
  let routes: MovedRoute[] = [];
  if (inputs.moveAddresses) {
    const onBridge = new Set(bridgeLink.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
    addresses = portLink.addr_info
      .filter((a) => !(a.family === "inet6" && a.scope === "link")) // the kernel makes link-local ones per link
      .map(addressToMove)
      .filter((a) => !onBridge.has(a.cidr)); // already there: not ours to give back later
    routes = routesThrough(await readAllRoutes(host), inputs.port);
  }
  const enslaved = portLink.master === inputs.bridge;
  const plan = attachPlan({
    port: inputs.port,
    bridge: inputs.bridge,
    portUp: isUp(portLink),
    bridgeUp: isUp(bridgeLink),
    enslaved,
    addresses,
    routes,
  });
  const movedBy = (adds: AddressToMove[], rs: MovedRoute[]): MovedState => {
    const movedAddresses = [...new Set([...prior.movedAddresses, ...adds.map((a) => a.cidr)])];
    const movedRoutes = uniqueRoutes([...prior.movedRoutes, ...rs]);
    return { movedTo: movedAddresses.length > 0 || movedRoutes.length > 0 ? inputs.bridge : "", movedAddresses, movedRoutes };
  };
  await beforeActing?.(movedBy(addresses, routes));
  try {
    await runPhases(host, plan);
  } catch (e) {
    // Undo our partial work: the port gets back what this call took and leaves a bridge it was not on.
    const undo = giveBackPlan({ port: inputs.port, from: inputs.bridge, portUp: true, release: !enslaved, addresses, routes });
    try {
      await runPhases(host, undo);
    } catch (u) {
      throw new UndoFailedError(`${(e as Error).message}\n  undoing the partial attach also failed: ${(u as Error).message}`, { cause: e });
    }
    throw e;
  }
  const port = (await host.links()).get(inputs.port);
  if (!port || port.master !== inputs.bridge)
    throw new Error(`after enslaving, port "${inputs.port}" ${whereOf(host.netns)} reports master "${port?.master ?? "(none)"}" instead of "${inputs.bridge}"`);
  await announceAddresses(host, inputs.bridge, addresses.map((a) => a.cidr));
  return { port, moved: movedBy(addresses, routes) };
}

/** An attach failed and so did undoing it: the port is half moved, so the create's claim must stay for the next one. */
class UndoFailedError extends Error {}

/** Give back what was moved to `moved.movedTo` (and release the port from it when `release`). */
async function giveBack(host: Host, snap: LinkSnapshot, port: IpLink, moved: MovedState, release: boolean): Promise<void> {
  const phases = moved.movedTo
    ? giveBackPlan({
        port: port.ifname,
        from: moved.movedTo,
        portUp: isUp(port),
        release,
        addresses: addressesToReturn(moved.movedAddresses, snap.get(moved.movedTo)),
        routes: moved.movedRoutes,
      })
    : release
      ? nomaster(port.ifname)
      : [];
  await runPhases(host, phases);
  if (moved.movedTo) await announceAddresses(host, port.ifname, moved.movedAddresses);
}

function stateOf(inputs: PhysicalPortAttachmentInputs, port: IpLink, moved: MovedState, preexisting: boolean): PhysicalPortAttachmentState {
  return {
    ...inputs,
    bridge: port.master ?? "",
    portUp: isUp(port),
    portMacAddress: port.address ?? "",
    ...moved,
    preexisting,
  };
}

/** PhysicalPortAttachment: a NIC enslaved to a bridge, optionally handing its addresses and routes to the bridge. */
export const physicalPortAttachmentHandler: ResourceHandler<PhysicalPortAttachmentInputs, PhysicalPortAttachmentState> = {
  kind: KIND,

  check: (_olds, news) => checkWithSchema(physicalPortAttachmentInputsSchema(), news),

  diff: (_id, olds, news) => diffPhysicalPortAttachment(olds, news),

  async create(inputs, ctx) {
    const id = idOf(inputs);
    try {
      const host = hostOf(ctx, inputs.host);
      const before = requireTopology(await host.freshLinks(), inputs, host.netns);
      const owner = ctx.owner;
      // Attached (in part) by a create of ours killed before Pulumi recorded it: its claim says so and what it was moving.
      // Then it is ours (not preexisting), and delete gives back what is on the bridge of that.
      const claim = owner === undefined ? undefined : await portClaim<MovedState>(host.files, host.netns, inputs.port);
      const onBridge = new Set(before.bridgeLink.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
      const resumed = claim !== undefined && claim.owner === owner && claim.bridge === inputs.bridge;
      // What the killed create had moved already (the rest is still on the port, and this attach moves it).
      const claimed = resumed ? movedOf(claim!.moved) : NOTHING_MOVED; // validated: it goes back onto command lines
      const prior = { ...claimed, movedAddresses: claimed.movedAddresses.filter((a) => onBridge.has(a)) };
      const preexisting = before.portLink.master === inputs.bridge && !resumed;
      const claimIt = owner === undefined ? undefined : (moved: MovedState) => claimPort(host.files, host.netns, inputs.port, { owner, bridge: inputs.bridge, moved });
      let keepClaim = false;
      try {
        const { port, moved } = await attach(host, inputs, prior, claimIt);
        return { id, outs: stateOf(inputs, port, moved, preexisting) };
      } catch (e) {
        keepClaim = e instanceof UndoFailedError; // half moved: the next create must still know it was ours
        throw e;
      } finally {
        if (owner !== undefined && !keepClaim) await releasePort(host.files, host.netns, inputs.port).catch(() => undefined);
      }
    } catch (e) {
      throw resourceError(KIND, id, "create", e);
    }
  },

  async read(id, olds, ctx) {
    const snap = await linksOrGone(hostOf(ctx, olds.host));
    const port = snap?.get(olds.port);
    if (!port) return undefined;
    return { id, outs: { ...olds, bridge: port.master ?? "", portUp: isUp(port), portMacAddress: port.address ?? "" } };
  },

  async update(_id, olds, news, ctx) {
    const host = hostOf(ctx, news.host);
    const prior = movedOf(olds);
    const snap = await host.freshLinks();
    const portLink = snap.get(news.port);
    if (!portLink) throw new Error(`port "${news.port}" does not exist ${whereOf(host.netns)}; fix: set \`port\` to an existing interface (see \`ip link show\`)`);
    const ours = [olds.bridge, prior.movedTo].filter((b) => b !== "");
    const releaseOld = portLink.master !== undefined && portLink.master !== news.bridge && ours.includes(portLink.master);
    let kept = prior;
    if (prior.movedTo && (prior.movedTo !== news.bridge || !news.moveAddresses)) {
      // Moved to another bridge, or no longer wanted moved: the port gets them back first.
      await giveBack(host, snap, portLink, prior, releaseOld);
      kept = NOTHING_MOVED;
    } else if (releaseOld) {
      await runPhases(host, nomaster(news.port));
    }
    const { port, moved } = await attach(host, news, kept);
    return stateOf(news, port, moved, olds.preexisting === true && olds.bridge === news.bridge);
  },

  async delete(_id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    const snap = await linksOrGone(host, true);
    const port = snap?.get(olds.port);
    if (!snap || !port) return; // gone: nothing to release or give back to
    const moved = movedOf(olds);
    // Release only from a bridge we enslaved it to: a port found on its bridge at create stays.
    const ours = olds.preexisting ? [] : [olds.bridge, moved.movedTo].filter((b) => b !== "");
    const release = port.master !== undefined && ours.includes(port.master);
    await giveBack(host, snap, port, moved, release);
  },
};
