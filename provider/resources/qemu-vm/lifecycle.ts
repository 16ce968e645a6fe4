import { hostOf } from "../common/host-of";
import { randomUUID } from "node:crypto";
import type { Host } from "../../host/host";
import type { ResourceHandler } from "../common/handler";
import { checkWithSchema } from "../common/check";
import { vmPaths, type VmPaths } from "../../host/qemu/vm-paths";
import { buildQemuArgv, type QemuVmSpec } from "../../host/qemu/qemu-argv";
import { stableMac } from "../../host/qemu/mac-address";
import { diagnoseVm } from "../../host/qemu/preflight";
import { PreflightError } from "../../host/preflight-error";
import { probeKvm } from "../../host/qemu/kvm-probe";
import { findOurQemu, findQemuByPaths, launchQemu, liveProcess, readPidFile, readVmMeta, isOurQemu, signalPid, waitForExit, type VmMeta } from "../../host/qemu/qemu-process";
import { queryRuntime, stopQemu, waitUntilRunning, type VmRuntimeStatus } from "../../host/qemu/qemu-control";
import { assertPrivateStateDir } from "../../host/files/private-dir";
import { addHostForward, listHostForwards, removeHostForward, sameHostSide, type Fwd } from "../../host/qemu/hostfwd";
import { diffQemuVm } from "./diff";
import { qemuVmInputsSchema, type QemuVmInputs, type QemuVmState } from "./schema";
import { messageOf } from "../../host/runner/message-of";
import { buildSeedIso } from "../../host/qemu/cloud-init-seed";
import { ReadinessError, waitForReadiness, type ReadinessSpec } from "../../host/qemu/readiness";
import { nicAddresses } from "../../host/qemu/nic-addresses";
import { ensureOverlays, growLive, missingOverlayPaths, overlayChangeFailures, overlayResizes, removeCreated, removeOverlays, shrinkFailures } from "./overlays";

const KIND = "QemuVm";
/** How long create waits for QMP to report "running" after QEMU daemonized. */
const START_TIMEOUT_MS = 30_000;

function pathsOf(host: Host, name: string): VmPaths {
  return vmPaths(host.stateDir, name);
}

/** The serial log of the last failed start, kept beside the VM's state dir (which the failure removes). Pure. */
export function failedSerialLog(paths: Pick<VmPaths, "dir">): string {
  return `${paths.dir}.failed-serial.log`;
}

/**
 * Keep the serial log of a start that failed readiness (0600: the guest may print secrets), and name the copy in the
 * error; when it cannot be kept, the error says the log is gone with the state dir.
 */
async function keepFailedSerial(host: Host, paths: VmPaths, e: ReadinessError): Promise<ReadinessError> {
  const kept = failedSerialLog(paths);
  try {
    await host.files.writeTextAtomic(kept, (await host.files.readText(paths.serialLog, { noFollow: true })) ?? "", { mode: 0o600 });
    return new ReadinessError(e.what, e.serialTail, `whole log kept in ${kept}`);
  } catch {
    return new ReadinessError(e.what, e.serialTail, `${paths.serialLog}, removed with the state dir`);
  }
}

/** The launch spec from checked inputs (`seedIso`: the cloud-init seed built for them). Pure. */
export function specOf(i: QemuVmInputs, seedIso?: string): QemuVmSpec {
  return {
    name: i.name,
    memoryMiB: i.memoryMiB,
    cpus: i.cpus,
    accel: i.accel,
    machine: i.machine,
    cpuModel: i.cpuModel,
    kernel: i.kernel,
    initrd: i.initrd,
    kernelArgs: i.kernelArgs,
    disks: i.disks,
    cdroms: i.cdroms,
    nics: i.nics,
    seedIso,
  };
}

/** What refresh and the lifecycle observe besides QEMU itself: addresses, missing overlays. */
interface Observed {
  ipAddresses: string[][];
  missingOverlays: string[];
}

async function observe(host: Host, inputs: Pick<QemuVmInputs, "nics" | "disks">): Promise<Observed> {
  return { ipAddresses: await nicAddresses(host, inputs.nics), missingOverlays: await missingOverlayPaths(host, inputs.disks) };
}

/**
 * The readiness wait of these inputs: a TCP target that is one of this VM's own user-mode forwards is accepted by QEMU
 * before the guest listens, so there a first byte from the guest is required unless `tcp.expectData` says otherwise. Pure.
 */
export function readinessOf(i: QemuVmInputs): ReadinessSpec | undefined {
  const r = i.readiness;
  if (!r) return undefined;
  const viaForward =
    r.tcp !== undefined &&
    i.nics.some((n) => n.type === "user" && n.hostForwards.some((f) => f.protocol === "tcp" && f.hostPort === r.tcp!.port && (f.hostAddress === r.tcp!.host || f.hostAddress === "0.0.0.0")));
  return { serialPattern: r.serialPattern, tcp: r.tcp && { host: r.tcp.host, port: r.tcp.port, expectData: r.tcp.expectData ?? viaForward }, timeoutSeconds: r.timeoutSeconds };
}

function stateOf(inputs: QemuVmInputs, paths: VmPaths, meta: VmMeta, rt: VmRuntimeStatus | undefined, pid: number | undefined, seen: Observed): QemuVmState {
  return {
    ...inputs,
    instanceId: meta.instanceId,
    pid,
    qmpSocket: paths.qmpSocket,
    serialLog: paths.serialLog,
    macs: inputs.nics.map((n) => n.mac),
    ipAddresses: seen.ipAddresses,
    missingOverlays: seen.missingOverlays,
    status: pid === undefined ? "stopped" : (rt?.status ?? "unresponsive"),
    acceleration: rt?.acceleration,
  };
}

/** The live QEMU of this VM instance (ours, same instance id), or undefined. */
async function ourLiveQemu(host: Host, paths: VmPaths, instanceId?: string): Promise<{ pid: number; meta: VmMeta } | undefined> {
  const meta = await readVmMeta(host.files, paths);
  if (!meta || (instanceId !== undefined && meta.instanceId !== instanceId)) return undefined;
  const pid = await findOurQemu(host.files, paths, meta);
  return pid === undefined ? undefined : { pid, meta };
}

/**
 * Preflight, ensure overlays, build the cloud-init seed, launch QEMU daemonized, wait until QMP says running and
 * the readiness conditions hold. On any failure: kill the QEMU we started (by pid, after checking it is ours),
 * remove the overlays this start created and the state dir, then rethrow.
 */
async function startVm(host: Host, inputs: QemuVmInputs, opts: { portSettleMs?: number; owner?: string } = {}): Promise<QemuVmState> {
  const paths = pathsOf(host, inputs.name);
  // The one guard before the state dir is cleared, on every path that starts a VM (create, restart on update); first,
  // so the VM already there is named rather than the ports it holds.
  const running = await ourLiveQemu(host, paths);
  if (running)
    throw new Error(
      `a VM named "${inputs.name}" is already running (pid ${running.pid}, instance ${running.meta.instanceId}, state dir ${paths.dir}), ` +
        `started by another stack or resource; stop it (kill ${running.pid}) or give this VM another name`,
    );
  const orphan = await findQemuByPaths(host.files, paths);
  if (orphan !== undefined)
    throw new Error(
      `a QEMU for "${inputs.name}" is running (pid ${orphan}) but its state dir ${paths.dir} is gone, so whose it is cannot be known; ` +
        `stop it (kill ${orphan}) or give this VM another name`,
    );
  // seedIso set: preflight checks that the tool building the seed is installed.
  const spec = { ...specOf(inputs, inputs.cloudInit ? paths.seedIso : undefined), accel: await resolveAccel(host, inputs.accel) };
  const problems = await diagnoseWithSettle(host, spec, opts.portSettleMs ?? 0);
  if (problems.length) throw new PreflightError(problems);
  await host.files.remove(paths.dir); // leftovers of a VM of ours that is no longer running
  await host.files.remove(failedSerialLog(paths)); // a failed start's log: stale once a new start begins
  await host.files.ensureDir(paths.dir, 0o700);
  let argv: string[] | undefined;
  let created: string[] = [];
  try {
    created = await ensureOverlays(host, inputs.disks);
    if (inputs.cloudInit) {
      try {
        await buildSeedIso(host, paths.seedIso, inputs.name, inputs.cloudInit);
      } catch (e) {
        // The message of a failed xorriso names paths and its stderr, never the seed's data.
        throw new Error(`building the cloud-init seed ${paths.seedIso} failed: ${messageOf(e)}`, { cause: e });
      }
    }
    argv = buildQemuArgv({ ...spec, seedIso: inputs.cloudInit ? paths.seedIso : undefined }, paths);
    const meta: VmMeta = { instanceId: randomUUID(), argv, owner: opts.owner };
    await host.files.writeTextAtomic(paths.metaFile, JSON.stringify(meta), { mode: 0o600 });
    try {
      await launchQemu(host, argv, paths);
    } catch (e) {
      throw new Error(`QEMU refused to start: ${messageOf(e)}`, { cause: e });
    }
    host.invalidate(); // bridge NICs added tap devices
    const pid = await readPidFile(host.files, paths.pidFile);
    const proc = pid === undefined ? undefined : await liveProcess(host.files, pid);
    if (pid === undefined || !proc) throw new Error(`QEMU daemonized but ${paths.pidFile} names no live process; stderr: ${(await host.files.readText(paths.stderrLog)) ?? ""}`);
    Object.assign(meta, { pid, startTime: proc.startTime });
    await host.files.writeTextAtomic(paths.metaFile, JSON.stringify(meta), { mode: 0o600 });
    const rt = await waitUntilRunning(host, paths.qmpSocket, pid, START_TIMEOUT_MS);
    const ready = readinessOf(inputs);
    if (ready) await waitForReadiness(host, ready, paths.serialLog, pid);
    return stateOf(inputs, paths, meta, rt, pid, await observe(host, inputs));
  } catch (e) {
    const err = e instanceof ReadinessError ? await keepFailedSerial(host, paths, e) : e;
    await undoStart(host, paths, argv);
    await removeCreated(host, created);
    throw err;
  }
}

/**
 * `auto` means KVM when it can really run guests here, else TCG. QEMU's own `-accel kvm -accel tcg`
 * falls back only when KVM fails to initialize; a KVM that initializes and then hangs the guest (nested
 * setups) needs the probe.
 */
async function resolveAccel(host: Host, accel: QemuVmInputs["accel"]): Promise<"kvm" | "tcg"> {
  if (accel !== "auto") return accel;
  return (await probeKvm(host)).usable ? "kvm" : "tcg";
}

/**
 * Preflight. Right after a QEMU exited, the kernel may still show its forwarded ports as listening for a
 * moment (sockets of a killed process are released asynchronously): when port problems are the only
 * ones, re-check with a short backoff until `settleMs`, so a replace or restart does not fail on its own ghost.
 */
async function diagnoseWithSettle(host: Host, spec: QemuVmSpec, settleMs: number) {
  const deadline = Date.now() + settleMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const problems = await diagnoseVm(host, spec);
    const onlyPorts = problems.length > 0 && problems.every((p) => p.property.endsWith(".hostPort"));
    if (!onlyPorts || Date.now() + delay > deadline) return problems;
    await new Promise((r) => setTimeout(r, delay));
  }
}

async function undoStart(host: Host, paths: VmPaths, argv: string[] | undefined): Promise<void> {
  const pid = argv && (await readPidFile(host.files, paths.pidFile).catch(() => undefined));
  if (argv && pid !== undefined && (await isOurQemu(host.files, pid, argv))) {
    await signalPid(host, pid, "KILL").catch(() => undefined);
    await waitForExit(host.files, pid, 10_000);
  }
  await host.files.remove(paths.dir).catch(() => undefined);
  host.invalidate();
}

type HostForward = Extract<QemuVmInputs["nics"][number], { type: "user" }>["hostForwards"][number];

function fwdOf(f: HostForward): Fwd {
  return { protocol: f.protocol, hostAddress: f.hostAddress, hostPort: f.hostPort, guestPort: f.guestPort };
}

/** Declared forwards that QEMU really has (same host side and guest port): refresh shows a removed one as drift. */
function observedNics(nics: QemuVmInputs["nics"], live: Map<string, Fwd[]> | undefined): QemuVmInputs["nics"] {
  if (!live) return nics;
  return nics.map((n) => {
    if (n.type !== "user") return n;
    const have = live.get(n.id) ?? [];
    return { ...n, hostForwards: n.hostForwards.filter((f) => have.some((h) => sameHostSide(h, f) && h.guestPort === f.guestPort)) };
  });
}

const same = (a: HostForward, b: HostForward) => sameHostSide(a, b) && a.guestPort === b.guestPort;

/** Apply inline host-forward changes live; on failure put back what was changed, then rethrow. */
async function applyForwards(host: Host, socket: string, olds: QemuVmInputs["nics"], news: QemuVmInputs["nics"]): Promise<void> {
  const done: Array<() => Promise<unknown>> = [];
  await host.withQmp(socket, async (qmp) => {
    try {
      for (const [i, n] of news.entries()) {
        const o = olds[i];
        if (n.type !== "user" || o?.type !== "user") continue;
        for (const f of o.hostForwards.filter((x) => !n.hostForwards.some((y) => same(x, y)))) {
          if (await removeHostForward(qmp, n.id, fwdOf(f))) done.push(() => addHostForward(qmp, n.id, fwdOf(f)));
        }
        for (const f of n.hostForwards.filter((x) => !o.hostForwards.some((y) => same(x, y)))) {
          await addHostForward(qmp, n.id, fwdOf(f));
          done.push(() => removeHostForward(qmp, n.id, fwdOf(f)));
        }
      }
    } catch (e) {
      for (const undo of done.reverse()) await undo().catch(() => undefined);
      throw e;
    }
  });
}

/** The orphan refresh recorded (`pid`), if it is still the QEMU running for these paths. */
async function orphanRecorded(host: Host, paths: VmPaths, pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const found = await findQemuByPaths(host.files, paths);
  return found === pid ? found : undefined;
}

/** QemuVm: a daemonized QEMU that outlives `pulumi up`, recognised by pidfile + cmdline, stopped gracefully. */
export const qemuVmHandler: ResourceHandler<QemuVmInputs, QemuVmState> = {
  kind: KIND,

  check: (olds, news) => {
    const r = checkWithSchema(qemuVmInputsSchema(stableMac), news);
    // With the previous inputs at hand, a shrink fails here, at preview, with its property path.
    // So is a changed overlay definition on the same path (its replace would remove the guest's disk).
    if (r.failures.length === 0 && Array.isArray(olds.disks) && Array.isArray(r.inputs.disks))
      r.failures.push(...shrinkFailures(olds.disks as QemuVmInputs["disks"], r.inputs.disks), ...overlayChangeFailures(olds.disks as QemuVmInputs["disks"], r.inputs.disks));
    return r;
  },

  diff: (_id, olds, news) => diffQemuVm(olds, news),

  async create(inputs, ctx) {
    const host = hostOf(ctx, inputs.host);
    // Before anything in the state dir is read or written: QEMU runs as root there and follows symlinks.
    await assertPrivateStateDir(host.files, host.stateDir);
    const paths = pathsOf(host, inputs.name);
    const running = await ourLiveQemu(host, paths);
    if (running && ctx.owner !== undefined && running.meta.owner === ctx.owner) {
      // Launched by a create of this same resource that was killed before Pulumi recorded it: ours, so it is
      // stopped and started afresh from these inputs rather than refused.
      await stopQemu(host, running.pid, paths.qmpSocket, inputs.stopTimeoutSeconds * 1000);
    }
    // Settle: in a delete-before-replace the old QEMU's forwarded ports may linger a moment after it exited.
    const outs = await startVm(host, inputs, { portSettleMs: 3000, owner: ctx.owner });
    return { id: inputs.name, outs };
  },

  async read(id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    const paths = pathsOf(host, olds.name ?? id);
    const live = await ourLiveQemu(host, paths, olds.instanceId);
    if (!live) {
      // Its state dir removed by hand while QEMU runs: "orphaned" (the next up replaces that QEMU, delete stops it).
      // Only the QEMU recorded for this resource (its pid) counts: any other is not ours to report, restart or stop.
      const orphan = (await readVmMeta(host.files, paths)) ? undefined : await orphanRecorded(host, paths, olds.pid);
      const seen = await observe(host, { nics: olds.nics ?? [], disks: olds.disks ?? [] });
      if (orphan !== undefined) return { id, outs: { ...olds, ...seen, pid: orphan, acceleration: undefined, status: "orphaned" } };
      // A VM whose QEMU is gone reads as "stopped" (not gone): its name and disks still exist, and the next up restarts it.
      return { id, outs: { ...olds, ...seen, pid: undefined, acceleration: undefined, status: "stopped" } };
    }
    const userNics = olds.nics.some((n) => n.type === "user");
    let rt: VmRuntimeStatus | undefined;
    let fwds: Map<string, Fwd[]> | undefined;
    try {
      await host.withQmp(paths.qmpSocket, async (qmp) => {
        rt = await queryRuntime(qmp);
        if (userNics) fwds = await listHostForwards(qmp);
      }, { timeoutMs: 3000 });
    } catch {
      // QMP busy or hung: report "unresponsive", keep the recorded inputs.
    }
    const outs = stateOf({ ...olds, nics: observedNics(olds.nics, fwds) }, paths, live.meta, rt, live.pid, await observe(host, olds));
    return { id, outs };
  },

  async update(_id, olds, news, ctx) {
    const host = hostOf(ctx, news.host);
    // check refuses a shrink already; this guards an engine that skipped it (e.g. olds without inputs).
    const shrinks = shrinkFailures(olds.disks ?? [], news.disks);
    if (shrinks.length) throw new Error(shrinks.map((f) => `${f.property}: ${f.reason}`).join("; "));
    await assertPrivateStateDir(host.files, host.stateDir); // as in create: an update may start QEMU there
    const paths = pathsOf(host, news.name);
    let live = await ourLiveQemu(host, paths, olds.instanceId);
    let rt: VmRuntimeStatus | undefined;
    if (live) rt = await host.withQmp(paths.qmpSocket, queryRuntime, { timeoutMs: 5000 }).catch(() => undefined);
    if (live && rt && ["shutdown", "internal-error", "guest-panicked", "io-error"].includes(rt.status)) {
      await stopQemu(host, live.pid, paths.qmpSocket, 0); // the guest is dead: a fresh QEMU is the only way back
      live = undefined;
    }
    // QEMU gone: start it again (a new instanceId: live forwards must be re-added by their PortForwards). An orphan of
    // ours (recorded pid, our state dir's pidfile path in its argv, its state dir gone) is stopped first.
    if (!live) {
      const orphan = await findQemuByPaths(host.files, paths);
      if (orphan !== undefined && orphan === olds.pid) await stopQemu(host, orphan, paths.qmpSocket, 0);
      return startVm(host, news, { portSettleMs: 3000, owner: ctx.owner });
    }
    if (rt && (rt.status === "paused" || rt.status === "suspended")) {
      await host.withQmp(paths.qmpSocket, (q) => q.execute(rt!.status === "paused" ? "cont" : "system_wakeup"));
    }
    await applyForwards(host, paths.qmpSocket, olds.nics, news.nics);
    await growLive(host, paths.qmpSocket, overlayResizes(olds.disks ?? [], news.disks).grow);
    const now = await host.withQmp(paths.qmpSocket, queryRuntime, { timeoutMs: 5000 }).catch(() => rt);
    return stateOf(news, paths, live.meta, now, live.pid, await observe(host, news));
  },

  async delete(id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    const paths = pathsOf(host, olds.name ?? id);
    const meta = await readVmMeta(host.files, paths);
    // Another instance (another stack re-created the name after ours died): not ours to stop or remove.
    if (meta && olds.instanceId && meta.instanceId !== olds.instanceId && (await findOurQemu(host.files, paths, meta)) !== undefined) return;
    // Ours by meta.json, or (its state dir removed by hand) the orphan refresh recorded: same pid, our pidfile path.
    const pid = (await findOurQemu(host.files, paths, meta)) ?? (meta ? undefined : await orphanRecorded(host, paths, olds.pid));
    if (pid !== undefined) await stopQemu(host, pid, paths.qmpSocket, (olds.stopTimeoutSeconds ?? 30) * 1000);
    await host.files.remove(paths.dir);
    await host.files.remove(failedSerialLog(paths));
    host.invalidate(); // the taps went away with QEMU
    // After QEMU is gone: never pull a disk from under a guest. A file that no longer backs onto its base is left in
    // place (removeOverlays returns why; delete has no channel for warnings); one qemu-img cannot read fails delete.
    await removeOverlays(host, olds.disks ?? []);
  },
};
