/**
 * The end-to-end row: `qemu-lab up` of the network lab as a user runs it (a fresh node process, `--yes`), beside the
 * *program floor* — the same program run by `cmd/run` exactly as the driver starts it, against a monitor that answers
 * at once (bench/floor/monitor.ts): what Pulumi's own runtime costs. Also the dynamic-provider process's peak memory
 * beside a no-op provider serving the same registrations (bench/floor/noop-program), and one CPU profile of the CLI.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { childEnv, resolvePulumiDir, waitForExit } from "../driver/child";
import { configEnv, readProjectFile, startProgram } from "../driver/program";
import { summarizeCpuProfile, type CpuProfile, type CpuProfileSummary } from "./floor/cpu-profile";
import { startFloorMonitor } from "./floor/monitor";
import { labResourceCount } from "./lab-spec";
import { removeTrialNetns, trialNetns, verifyLab } from "./network-lab";
import { BENCH_DIR, PROJECT_DIR } from "./paths";
import { probeEnv, readProbeLog } from "./probe-log";
import { NETWORK_LAB_PROGRAM } from "./provider-lab";
import { messageOf } from "../provider/host/runner/message-of";

/** The no-op provider baseline's program. */
export const NOOP_PROGRAM = path.join(BENCH_DIR, "floor", "noop-program");

/** The package's command, as `npx qemu-lab` runs it. */
const CLI_MAIN = path.join(PROJECT_DIR, "dist", "cli", "main.js");

/** The stack every trial uses (its config file is written beside the program and removed after). */
const STACK = "bench";

/** Everything the end-to-end row measured at one N. */
export interface CliSamples {
  n: number;
  /** Custom resources the lab declares. */
  resources: number;
  /** `qemu-lab up --yes` of the lab, spawn to exit, ms per repetition. */
  up: number[];
  /** `qemu-lab destroy --yes` of the lab, ms. */
  destroy: number[];
  /** The program floor: `cmd/run` against the instant monitor, spawn to exit, ms. */
  floor: number[];
  /** `qemu-lab up --yes` of the no-op program (same registrations, provider does nothing), ms. */
  noopUp: number[];
  /** Peak resident memory (VmHWM) of the dynamic-provider process during the lab's up, KiB. */
  peakKiB: number[];
  heapPeakKiB: number[];
  /** The same for the no-op provider. */
  noopPeakKiB: number[];
  noopHeapPeakKiB: number[];
  /** Where the CLI process's CPU time went in one up (`--cpu-prof`); see profileNote when absent. */
  profile?: CpuProfileSummary;
  profileNote?: string;
}

/** What one CLI invocation did. */
interface CliRun {
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js …` (optionally with node flags), timed from spawn to exit; fails on a non-zero exit. */
async function qemuLab(args: string[], env: Record<string, string | undefined>, nodeFlags: string[] = []): Promise<CliRun> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeFlags, CLI_MAIN, ...args], { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await waitForExit(child);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (code !== 0) throw new Error(`qemu-lab ${args.join(" ")} exited with ${code}\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`);
  return { ms, stdout, stderr };
}

/** "+ 14 created" from the transcript's summary (the root stack counts: 1 + the program's resources). Pure. */
export function createdCount(transcript: string): number | undefined {
  const m = /^\s*\+ (\d+) created$/m.exec(transcript);
  return m ? Number(m[1]) : undefined;
}

/** One stack of one program in a fresh backend: `stack init`, config, then whatever the trial runs; cleaned up after. */
async function withStack<T>(programDir: string, config: Record<string, string>, run: (args: (op: string) => string[], env: Record<string, string>, dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-lab-bench-cli-"));
  const stackFile = path.join(programDir, `Pulumi.${STACK}.yaml`);
  const env = { QEMU_LAB_BACKEND_DIR: path.join(dir, "backend"), PULUMI_CONFIG_PASSPHRASE: "bench" };
  const common = ["--cwd", programDir, "--stack", STACK];
  try {
    fs.rmSync(stackFile, { force: true }); // a crashed run's config must not leak into this one
    await qemuLab(["stack", "init", STACK, "--cwd", programDir], env);
    for (const [k, v] of Object.entries(config)) await qemuLab(["config", "set", k, v, ...common], env);
    return await run((op) => [op, "--yes", ...common], env, dir);
  } finally {
    fs.rmSync(stackFile, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The program floor: the lab program run by `cmd/run` as the driver runs it, against the instant monitor; ms. */
export async function measureFloor(programDir: string, config: Record<string, string>): Promise<{ ms: number; registrations: number }> {
  const project = readProjectFile(programDir);
  const monitor = await startFloorMonitor(project.name, STACK);
  const output: string[] = [];
  try {
    const started = process.hrtime.bigint();
    const program = startProgram({
      programDir,
      project,
      stack: STACK,
      monitorAddress: monitor.address,
      dryRun: false,
      configJson: configEnv(project.name, config),
      pulumiDir: resolvePulumiDir(programDir),
      onStdout: (l) => output.push(l),
      onStderr: (l) => output.push(l),
    });
    const code = await program.exited;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (code !== 0) throw new Error(`the program exited with ${code} against the floor monitor: ${[...monitor.errors(), ...output].join("\n").slice(-4000)}`);
    return { ms, registrations: monitor.registrations() };
  } finally {
    await monitor.close();
  }
}

/** One `qemu-lab up` + `destroy` of the lab in a fresh namespace, with the probe in the provider process. */
async function labTrial(n: number, dir: string, nodeFlags: string[] = []): Promise<{ up: CliRun; destroy: CliRun; peakKiB?: number; heapPeakKiB?: number }> {
  const netns = trialNetns();
  try {
    return await withStack(NETWORK_LAB_PROGRAM, { n: String(n), netns }, async (args, env) => {
      const probeFile = path.join(dir, `${netns}.probe`);
      const up = await qemuLab(args("up"), { ...env, ...probeEnv(probeFile) }, nodeFlags);
      const created = createdCount(up.stdout);
      if (created !== labResourceCount(n) + 1) throw new Error(`qemu-lab up created ${created ?? "no"} resources, expected ${labResourceCount(n) + 1}\n${up.stdout.slice(-4000)}`);
      verifyLab(netns, n); // the kernel and bridge.conf really have the lab
      const probe = readProbeLog(probeFile);
      const destroy = await qemuLab(args("destroy"), env);
      if (fs.existsSync(`/run/netns/${netns}`)) throw new Error(`qemu-lab destroy left namespace ${netns} behind`);
      return { up, destroy, peakKiB: probe.peakKiB, heapPeakKiB: probe.heapPeakKiB };
    });
  } finally {
    removeTrialNetns(netns);
  }
}

/** One `qemu-lab up` of the no-op program (nothing on the host), with the probe; then its destroy. */
async function noopTrial(n: number, dir: string): Promise<{ ms: number; peakKiB?: number; heapPeakKiB?: number }> {
  return withStack(NOOP_PROGRAM, { n: String(n), netns: "noop" }, async (args, env) => {
    const probeFile = path.join(dir, "noop.probe");
    fs.rmSync(probeFile, { force: true });
    const up = await qemuLab(args("up"), { ...env, ...probeEnv(probeFile) });
    const created = createdCount(up.stdout);
    if (created !== labResourceCount(n) + 1) throw new Error(`qemu-lab up of the no-op program created ${created ?? "no"} resources, expected ${labResourceCount(n) + 1}\n${up.stdout.slice(-4000)}`);
    const probe = readProbeLog(probeFile);
    await qemuLab(args("destroy"), env);
    return { ms: up.ms, peakKiB: probe.peakKiB, heapPeakKiB: probe.heapPeakKiB };
  });
}

/** The CLI process's CPU profile of one lab up (`node --cpu-prof`, only that process), summarized. */
async function profileUp(n: number, dir: string): Promise<CpuProfileSummary> {
  const profDir = path.join(dir, "cpuprof");
  fs.mkdirSync(profDir, { recursive: true });
  await labTrial(n, dir, ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "--cpu-prof-name=up.cpuprofile"]);
  // Why by name: the destroy that follows runs without the flag, so only the up's profile is there.
  return summarizeCpuProfile(JSON.parse(fs.readFileSync(path.join(profDir, "up.cpuprofile"), "utf8")) as CpuProfile);
}

/** Measures the end-to-end row at one N, `reps` times (floor, CLI, no-op alternate within a repetition), plus one profile. */
export async function measureCliFloor(n: number, reps: number, log: (line: string) => void): Promise<CliSamples> {
  const config = { n: String(n), netns: "floor" }; // the floor touches no host: the name is only config
  const samples: CliSamples = { n, resources: labResourceCount(n), up: [], destroy: [], floor: [], noopUp: [], peakKiB: [], heapPeakKiB: [], noopPeakKiB: [], noopHeapPeakKiB: [] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-lab-bench-floor-"));
  try {
    for (let rep = 0; rep < reps; rep++) {
      const floor = await measureFloor(NETWORK_LAB_PROGRAM, config);
      // Why check: a floor that registered less than the whole program would flatter the CLI.
      if (floor.registrations !== labResourceCount(n) + 1) throw new Error(`the floor run registered ${floor.registrations} resources, expected ${labResourceCount(n) + 1}`);
      samples.floor.push(floor.ms);
      log(`cli n=${n} repetition ${rep + 1}/${reps}: program floor ${(floor.ms / 1000).toFixed(3)} s`);
      const lab = await labTrial(n, dir);
      samples.up.push(lab.up.ms);
      samples.destroy.push(lab.destroy.ms);
      if (lab.peakKiB !== undefined) samples.peakKiB.push(lab.peakKiB);
      if (lab.heapPeakKiB !== undefined) samples.heapPeakKiB.push(lab.heapPeakKiB);
      log(`cli n=${n} repetition ${rep + 1}/${reps}: qemu-lab up ${(lab.up.ms / 1000).toFixed(3)} s, destroy ${(lab.destroy.ms / 1000).toFixed(3)} s`);
      const noop = await noopTrial(n, dir);
      samples.noopUp.push(noop.ms);
      if (noop.peakKiB !== undefined) samples.noopPeakKiB.push(noop.peakKiB);
      if (noop.heapPeakKiB !== undefined) samples.noopHeapPeakKiB.push(noop.heapPeakKiB);
      log(`cli n=${n} repetition ${rep + 1}/${reps}: qemu-lab up of the no-op program ${(noop.ms / 1000).toFixed(3)} s`);
    }
    try {
      samples.profile = await profileUp(n, dir);
    } catch (e) {
      samples.profileNote = `profile failed: ${messageOf(e)}`;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}
