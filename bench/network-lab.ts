/**
 * One size of the network lab measured every way: the shell script (a), one `ip -batch` (b), libvirt (c)
 * where installed, and the provider through the lifecycle driver. Every trial lives in its own namespace,
 * removed in `finally`.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { batchDestroyScript, batchUpScript } from "./baselines/ip-batch";
import { runLibvirtTrial } from "./baselines/libvirt";
import { processCount, runScript, shellDestroyScript, shellReadScript, shellUpScript } from "./baselines/shell-script";
import { labBridges, labAclPath } from "./lab-spec";
import { profile } from "./probe-log";
import { runProviderTrial } from "./provider-lab";

/** Timings (ms) of one approach over the repetitions. */
export interface ApproachSamples {
  up: number[];
  refresh: number[];
  destroy: number[];
  /** Processes one up / refresh / destroy starts (scripts: counted from the script; provider: by the probe). */
  upProcesses?: number;
  refreshProcesses?: number;
  destroyProcesses?: number;
}

/** The provider's extra measurements. */
export interface ProviderSamples extends ApproachSamples {
  /** Read calls alone (warm-started provider process), ms. */
  reads: number[];
  readsProcesses: number[];
  refreshSpawns: number[];
  upSpawns: number[];
  destroySpawns: number[];
  /** Peak resident memory of the provider process per trial (max over its operations), KiB. */
  peakKiB: number[];
  /** Peak live JS heap of the provider process per trial, KiB. */
  heapPeakKiB: number[];
  resources: number;
  /** Resources refresh reported as drifted (must be none), per trial: `name: keys`. */
  drift: string[][];
  /** Which commands the provider ran, per operation, in the last trial. */
  commands: Record<"up" | "refresh" | "reads" | "destroy", Array<[string, number]>>;
}

/** Everything measured for one lab size. */
export interface LabSamples {
  n: number;
  shell: ApproachSamples;
  batch: ApproachSamples;
  libvirt?: ApproachSamples;
  provider: ProviderSamples;
}

/** A fresh namespace name for one trial. */
export function trialNetns(): string {
  return `qlbench${randomBytes(3).toString("hex")}`;
}

/** Remove a trial's namespace and its /etc/netns folder if they are still there (after a failure). */
export function removeTrialNetns(netns: string): void {
  if (!/^qlbench[0-9a-f]+$/.test(netns)) throw new Error(`refusing to remove ${netns}: not a benchmark namespace`);
  execFileSync("bash", ["-c", `ip netns delete ${netns} 2>/dev/null; rm -rf /etc/netns/${netns}; true`]);
}

/** Check that a lab is fully built in `netns`: every bridge has its address and port, every ACL line is there. */
export function verifyLab(netns: string, n: number): void {
  const links = JSON.parse(execFileSync("ip", ["-n", netns, "-j", "-d", "addr", "show"], { encoding: "utf8" }) || "[]") as Array<{
    ifname: string;
    master?: string;
    flags: string[];
    addr_info: Array<{ local: string; prefixlen: number }>;
  }>;
  const byName = new Map(links.map((l) => [l.ifname, l]));
  const acl = fs.readFileSync(labAclPath(netns), "utf8");
  for (const b of labBridges(n)) {
    const br = byName.get(b.bridge);
    const addr = br?.addr_info.some((a) => `${a.local}/${a.prefixlen}` === b.address);
    if (!br || !addr || !br.flags.includes("UP")) throw new Error(`lab in ${netns}: bridge ${b.bridge} missing, down or without ${b.address}`);
    if (byName.get(b.veth)?.master !== b.bridge) throw new Error(`lab in ${netns}: ${b.veth} is not a port of ${b.bridge}`);
    if (!new RegExp(`^allow ${b.bridge}$`, "m").test(acl)) throw new Error(`lab in ${netns}: no "allow ${b.bridge}" in ${labAclPath(netns)}`);
  }
}

function assertGone(netns: string): void {
  const list = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (list.split("\n").some((l) => l.split(" ")[0] === netns)) throw new Error(`destroy left namespace ${netns} behind`);
}

async function timeScript(script: string): Promise<number> {
  const started = process.hrtime.bigint();
  await runScript(script);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Baselines (a) and (b): up, read back, destroy; verified like the provider's lab. */
async function scriptTrial(kind: "shell" | "batch", n: number, into: ApproachSamples): Promise<void> {
  const netns = trialNetns();
  const up = kind === "shell" ? shellUpScript(netns, n) : batchUpScript(netns, n);
  const destroy = kind === "shell" ? shellDestroyScript(netns, n) : batchDestroyScript(netns, n);
  try {
    into.up.push(await timeScript(up));
    verifyLab(netns, n);
    into.refresh.push(await timeScript(shellReadScript(netns)));
    into.destroy.push(await timeScript(destroy));
    assertGone(netns);
    into.upProcesses = kind === "shell" ? processCount(up) : 3;
    into.refreshProcesses = 2;
    into.destroyProcesses = kind === "shell" ? processCount(destroy) : 3;
  } finally {
    removeTrialNetns(netns);
  }
}

function emptySamples(): ApproachSamples {
  return { up: [], refresh: [], destroy: [] };
}

/** Measures one lab size `reps` times every way. */
export async function measureLab(n: number, reps: number, opts: { libvirt: boolean; log: (s: string) => void }): Promise<LabSamples> {
  const shell = emptySamples();
  const batch = emptySamples();
  const libvirt = opts.libvirt ? emptySamples() : undefined;
  const provider: ProviderSamples = {
    ...emptySamples(),
    reads: [],
    readsProcesses: [],
    refreshSpawns: [],
    upSpawns: [],
    destroySpawns: [],
    peakKiB: [],
    heapPeakKiB: [],
    resources: 0,
    drift: [],
    commands: { up: [], refresh: [], reads: [], destroy: [] },
  };
  for (let rep = 0; rep < reps; rep++) {
    opts.log(`n=${n} repetition ${rep + 1}/${reps}: shell script`);
    await scriptTrial("shell", n, shell);
    opts.log(`n=${n} repetition ${rep + 1}/${reps}: ip -batch`);
    await scriptTrial("batch", n, batch);
    if (libvirt) {
      opts.log(`n=${n} repetition ${rep + 1}/${reps}: libvirt`);
      const xmlDir = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-lab-bench-libvirt-"));
      try {
        const r = await runLibvirtTrial(`qlb${randomBytes(2).toString("hex")}`, n, xmlDir);
        libvirt.up.push(r.up);
        libvirt.refresh.push(r.refresh);
        libvirt.destroy.push(r.destroy);
        libvirt.upProcesses = 2 * n + n; // cat (heredoc) is a builtin redirect; 2 virsh per network
      } finally {
        fs.rmSync(xmlDir, { recursive: true, force: true });
      }
    }
    opts.log(`n=${n} repetition ${rep + 1}/${reps}: provider (lifecycle driver)`);
    const netns = trialNetns();
    try {
      const t = await runProviderTrial(n, netns, opts.log, () => verifyLab(netns, n));
      assertGone(netns);
      provider.up.push(t.up.ms);
      provider.refresh.push(t.refresh.ms);
      provider.reads.push(t.reads.ms);
      provider.destroy.push(t.destroy.ms);
      provider.upSpawns.push(t.up.probe.spawns.length);
      provider.refreshSpawns.push(t.refresh.probe.spawns.length);
      provider.readsProcesses.push(t.reads.probe.spawns.length);
      provider.destroySpawns.push(t.destroy.probe.spawns.length);
      provider.drift.push(t.refresh.drift);
      const peaks = [t.up, t.refresh, t.reads, t.destroy].flatMap((o) => (o.probe.peakKiB !== undefined ? [o.probe.peakKiB] : []));
      provider.peakKiB.push(Math.max(...peaks));
      provider.heapPeakKiB.push(Math.max(0, ...[t.up, t.refresh, t.reads, t.destroy].map((o) => o.probe.heapPeakKiB ?? 0)));
      provider.resources = t.resources;
      provider.commands = {
        up: profile(t.up.probe.spawns),
        refresh: profile(t.refresh.probe.spawns),
        reads: profile(t.reads.probe.spawns),
        destroy: profile(t.destroy.probe.spawns),
      };
    } finally {
      removeTrialNetns(netns);
    }
  }
  return { n, shell, batch, libvirt, provider };
}
