import type { ResourceContext, ResourceHandler } from "../common/handler";
import { checkWithSchema } from "../common/check";
import { vmPaths } from "../../host/qemu/vm-paths";
import { QmpConnectionError, type QmpClient } from "../../host/qemu/qmp-client";
import { readVmMeta } from "../../host/qemu/qemu-process";
import {
  addHostForward,
  formatHostFwdKey,
  formatHostFwdRule,
  HostFwdError,
  listHostForwards,
  removeHostForward,
  sameHostSide,
  type Fwd,
} from "../../host/qemu/hostfwd";
import { diffPortForward, hostSidesClash } from "./diff";
import { portForwardInputsSchema, type PortForwardInputs, type PortForwardState } from "./schema";
import { UsernetReads } from "./usernet-cache";
import { hostOf } from "../common/host-of";
import { claimForward, forwardClaim, releaseForward } from "../../host/qemu/forward-claims";
import { QmpBatch } from "./qmp-batch";

const KIND = "PortForward";

/** Per provider context: one shared `info usernet` cache, and QMP sessions shared by concurrent writes. */
const sharedByCtx = new WeakMap<ResourceContext, { reads: UsernetReads; batch: QmpBatch }>();
function sharedOf(ctx: ResourceContext): { reads: UsernetReads; batch: QmpBatch } {
  let r = sharedByCtx.get(ctx);
  if (!r) sharedByCtx.set(ctx, (r = { reads: new UsernetReads(), batch: new QmpBatch() }));
  return r;
}
function readsOf(ctx: ResourceContext): UsernetReads {
  return sharedOf(ctx).reads;
}

/** The VM's QMP socket (the VM may live in a namespace; the socket is a file, reachable from here). */
export function qmpSocketOf(i: Pick<PortForwardInputs, "vm" | "host">): string {
  return vmPaths(i.host?.stateDir, i.vm).qmpSocket;
}

/** The forward an input set describes. Pure. */
export function fwdOf(i: Pick<PortForwardInputs, "protocol" | "hostAddress" | "hostPort" | "guestAddress" | "guestPort">): Fwd {
  const f: Fwd = { protocol: i.protocol, hostAddress: i.hostAddress, hostPort: i.hostPort, guestPort: i.guestPort };
  if (i.guestAddress !== undefined) f.guestAddress = i.guestAddress;
  return f;
}

/** True when an observed forward sends where `want` asks (any guest address when want has none). */
function guestMatches(observed: Fwd, want: Fwd): boolean {
  return observed.guestPort === want.guestPort && (want.guestAddress === undefined || observed.guestAddress === want.guestAddress);
}

/** Run fn on the VM's QMP, turning "no QEMU there" into a message that names the QemuVm and the fix. */
async function onVm<T>(ctx: ResourceContext, i: PortForwardInputs, fn: (qmp: QmpClient) => Promise<T>): Promise<T> {
  try {
    return await sharedOf(ctx).batch.run(hostOf(ctx, i.host), qmpSocketOf(i), fn);
  } catch (e) {
    throw explain(i, e);
  }
}

function explain(i: PortForwardInputs, e: unknown): unknown {
  if (!(e instanceof QmpConnectionError)) return e;
  if (e.vmNotRunning)
    return new Error(
      `QemuVm "${i.vm}" is not running (${e.message})\n  fix: create/start the QemuVm first; forwards are added live through its QMP socket` +
        (i.host?.stateDir ? "" : " (and pass the same `host.stateDir` as the QemuVm, if it has one)"),
      { cause: e },
    );
  if (e.failure === "timeout")
    return new Error(
      `QemuVm "${i.vm}": ${e.message}\n  fix: QEMU serves one QMP client at a time; close other QMP sessions (qmp-shell, socat) or check whether QEMU hangs`,
      { cause: e },
    );
  return e;
}

function where(i: PortForwardInputs): string {
  return `netdev "${i.netdev}" of QemuVm "${i.vm}"`;
}

/** The VM's forwards on the netdev, or a clear error when the VM has no such user-mode netdev. */
async function forwardsOn(qmp: QmpClient, i: PortForwardInputs): Promise<Fwd[]> {
  const all = await listHostForwards(qmp);
  const list = all.get(i.netdev);
  if (list) return list;
  const names = [...all.keys()];
  throw new Error(
    `QemuVm "${i.vm}" has no user-mode netdev "${i.netdev}" (its user-mode netdevs: ${names.length ? names.join(", ") : "none"})` +
      `\n  fix: set netdev to one of them, or give the VM a user-mode NIC (\`-netdev user,id=${i.netdev}\`)`,
  );
}

function existsError(i: PortForwardInputs, existing: Fwd): Error {
  return new Error(
    `a forward ${formatHostFwdKey(existing)} → ${existing.guestAddress ?? ""}:${existing.guestPort} already exists on ${where(i)}` +
      `\n  fix: set \`adopt: true\` to manage it, or choose another hostPort`,
  );
}

/** Re-read and return the forward as QEMU has it, failing when QEMU does not show what was asked. */
async function verify(qmp: QmpClient, i: PortForwardInputs): Promise<Fwd> {
  const want = fwdOf(i);
  const seen = (await forwardsOn(qmp, i)).find((f) => sameHostSide(f, want));
  if (!seen || !guestMatches(seen, want))
    throw new Error(`QEMU accepted \`hostfwd_add ${i.netdev} ${formatHostFwdRule(want)}\` but \`info usernet\` does not show it on ${where(i)}`);
  return seen;
}

/** Replace the forward on `want`'s host side: remove what is there, add `want`, put the old one back if the add fails. */
async function swapInPlace(qmp: QmpClient, netdev: string, present: Fwd | undefined, remove: Fwd, want: Fwd): Promise<void> {
  if (present) await removeHostForward(qmp, netdev, remove);
  try {
    await addHostForward(qmp, netdev, want);
  } catch (e) {
    if (present) await addHostForward(qmp, netdev, present).catch(() => undefined); // rollback
    throw e;
  }
}

function stateOf(i: PortForwardInputs, seen: Fwd, created: boolean): PortForwardState {
  return { ...i, rule: formatHostFwdRule(fwdOf(i)), active: true, effectiveGuestAddress: seen.guestAddress, created };
}

/** The instance id the running VM recorded at launch (meta.json), so refresh shows a VM recreated behind our back. */
async function liveInstanceId(ctx: ResourceContext, olds: PortForwardState): Promise<string | undefined> {
  if (olds.vmInstanceId === undefined) return undefined;
  const files = ctx.hosts.hostFor({}).files;
  const meta = await readVmMeta(files, vmPaths(olds.host?.stateDir, olds.vm)).catch(() => undefined);
  return meta?.instanceId ?? olds.vmInstanceId;
}

/** The id: which VM netdev and host socket the forward lives on. */
function idOf(i: PortForwardInputs): string {
  return `${i.vm}/${i.netdev}/${formatHostFwdKey(fwdOf(i))}`;
}

/** PortForward: a user-mode host forward added to a running QemuVm live through QMP. */
export const portForwardHandler: ResourceHandler<PortForwardInputs, PortForwardState> = {
  kind: KIND,

  check(_olds, news) {
    // The resource name labels messages (the SDK passes it as __resourceName; check strips __ keys).
    const labelled = news.name === undefined && typeof news.__resourceName === "string" ? { ...news, name: news.__resourceName } : news;
    return checkWithSchema(portForwardInputsSchema(), labelled);
  },

  diff: (_id, olds, news) => diffPortForward(olds, news),

  async create(inputs, ctx) {
    const sock = qmpSocketOf(inputs);
    const reads = readsOf(ctx);
    const vmHost = hostOf(ctx, inputs.host);
    reads.invalidate(vmHost, sock);
    try {
      const files = hostOf(ctx, inputs.host).files;
      const paths = vmPaths(inputs.host?.stateDir, inputs.vm);
      const want = fwdOf(inputs);
      // A forward claimed by this resource is one a create of ours added before it was killed: ours to take over.
      const claim = ctx.owner === undefined ? undefined : await forwardClaim(files, paths, inputs.netdev, want);
      const ourClaim = claim !== undefined && claim === ctx.owner;
      const claiming = ctx.owner !== undefined && claim === undefined; // never overwrite another resource's claim
      let created = true;
      try {
        return await onVm(ctx, inputs, async (qmp) => {
          if (claiming) await claimForward(files, paths, inputs.netdev, want, ctx.owner!);
          try {
            await addHostForward(qmp, inputs.netdev, want);
          } catch (e) {
            // Only when QEMU refuses do we look why: a forward already on this host socket is someone's to adopt.
            if (e instanceof HostFwdError && e.failure === "netdev-not-found") await forwardsOn(qmp, inputs); // names the VM's netdevs
            if (!(e instanceof HostFwdError && e.failure === "port-in-use")) throw e;
            const existing = (await forwardsOn(qmp, inputs)).find((f) => sameHostSide(f, want));
            if (!existing) throw e;
            if (!ourClaim && !inputs.adopt) throw existsError(inputs, existing);
            created = ourClaim;
            if (!guestMatches(existing, want)) await swapInPlace(qmp, inputs.netdev, existing, existing, want);
          }
          try {
            const seen = await verify(qmp, inputs);
            return { id: idOf(inputs), outs: stateOf(inputs, seen, created) };
          } catch (e) {
            if (created) await removeHostForward(qmp, inputs.netdev, want).catch(() => undefined); // undo our own work
            created = false;
            throw e;
          }
        });
      } catch (e) {
        created = false;
        throw e;
      } finally {
        // The claim marks only a forward this resource made: dropped when it failed or adopted someone else's.
        if (claiming && !created) await releaseForward(files, paths, inputs.netdev, want).catch(() => undefined);
      }
    } finally {
      reads.invalidate(vmHost, sock);
    }
  },

  async read(id, olds, ctx) {
    let all: Map<string, Fwd[]>;
    try {
      all = await readsOf(ctx).get(hostOf(ctx, olds.host), qmpSocketOf(olds));
    } catch (e) {
      if (e instanceof QmpConnectionError && e.vmNotRunning) return undefined; // no VM, no forward
      throw explain(olds, e);
    }
    const list = all.get(olds.netdev);
    if (!list) return undefined; // the VM was recreated without this netdev
    const want = fwdOf(olds);
    const seen = list.find((f) => sameHostSide(f, want));
    if (!seen) return { id, outs: { ...olds, active: false } };
    // Report guestAddress as the user wrote it unless QEMU forwards somewhere else than before.
    const sameDefault = olds.guestAddress === undefined && seen.guestAddress === (olds.effectiveGuestAddress ?? seen.guestAddress);
    const observed: PortForwardState = {
      ...olds,
      vmInstanceId: await liveInstanceId(ctx, olds),
      guestPort: seen.guestPort,
      guestAddress: sameDefault ? undefined : seen.guestAddress,
      effectiveGuestAddress: seen.guestAddress,
      active: true,
    };
    observed.rule = formatHostFwdRule(fwdOf(observed));
    return { id, outs: observed };
  },

  async update(_id, olds, news, ctx) {
    const sock = qmpSocketOf(news);
    const reads = readsOf(ctx);
    const vmHost = hostOf(ctx, news.host);
    reads.invalidate(vmHost, sock);
    try {
      return await onVm(ctx, news, async (qmp) => {
        const list = await forwardsOn(qmp, news);
        const oldFwd = fwdOf(olds);
        const want = fwdOf(news);
        const oldPresent = list.find((f) => sameHostSide(f, oldFwd));
        let created = olds.created;
        if (hostSidesClash(olds, news)) {
          // The new forward needs the old one's host socket: swap, restoring the old one on failure.
          if (!(oldPresent && sameHostSide(oldPresent, want) && guestMatches(oldPresent, want)))
            await swapInPlace(qmp, news.netdev, oldPresent, oldFwd, want);
        } else {
          const taken = list.find((f) => sameHostSide(f, want));
          if (taken && !news.adopt) throw existsError(news, taken);
          if (!taken) await addHostForward(qmp, news.netdev, want);
          else if (!guestMatches(taken, want)) await swapInPlace(qmp, news.netdev, taken, taken, want);
          created = !taken;
          // Add first, then remove the old one: no gap, and a failed add leaves the old one working.
          if (oldPresent && olds.created !== false) {
            try {
              await removeHostForward(qmp, news.netdev, oldFwd);
            } catch (e) {
              if (!taken) await removeHostForward(qmp, news.netdev, want).catch(() => undefined); // rollback
              throw e;
            }
          }
        }
        const seen = await verify(qmp, news);
        // The claim follows the forward to its new host socket (or netdev).
        if (ctx.owner !== undefined && (olds.netdev !== news.netdev || !sameHostSide(oldFwd, want))) {
          const files = hostOf(ctx, news.host).files;
          const paths = vmPaths(news.host?.stateDir, news.vm);
          await releaseForward(files, paths, olds.netdev, oldFwd).catch(() => undefined);
          if (created) await claimForward(files, paths, news.netdev, want, ctx.owner);
        }
        return stateOf(news, seen, created);
      });
    } finally {
      reads.invalidate(vmHost, sock);
    }
  },

  async delete(_id, olds, ctx) {
    const release = () => releaseForward(hostOf(ctx, olds.host).files, vmPaths(olds.host?.stateDir, olds.vm), olds.netdev, fwdOf(olds));
    if (olds.created === false) return release(); // adopted: not ours to remove (and never ours to claim)
    const sock = qmpSocketOf(olds);
    const reads = readsOf(ctx);
    const vmHost = hostOf(ctx, olds.host);
    reads.invalidate(vmHost, sock);
    try {
      await sharedOf(ctx).batch.run(vmHost, sock, (qmp) => removeHostForward(qmp, olds.netdev, fwdOf(olds)));
    } catch (e) {
      // The VM is gone (and its forwards with it), or has no such netdev (so no such forward): gone is success.
      if (!(e instanceof QmpConnectionError && e.vmNotRunning) && !(e instanceof HostFwdError && e.failure === "netdev-not-found")) throw explain(olds, e);
    } finally {
      reads.invalidate(vmHost, sock);
    }
    await release();
  },
};
