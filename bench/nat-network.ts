/**
 * The NatNetwork row: one NatNetwork (bridge, bridge.conf line, dnsmasq with N static leases, nftables NAT with N
 * forwards) built, read back and torn down by the provider (lifecycle driver, probed) and by the shell baseline
 * (bench/baselines/nat-shell.ts). Every trial has its own namespace and state folder, removed in `finally`, and no
 * dnsmasq of a trial outlives it. The point of the row: the provider's refresh reads dnsmasq's and nft's state with a
 * fixed number of processes, whatever N is.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LifecycleDriver, type OperationResult } from "../driver";
import { NAT_TABLE_PREFIX } from "../provider/host/nft/nat-model";
import { messageOf } from "../provider/host/runner/message-of";
import { NAT_ADDRESS, NAT_BRIDGE, natShellDestroySteps, natShellReadSteps, natShellUpSteps, scriptOf, stepProcesses } from "./baselines/nat-shell";
import { runScript } from "./baselines/shell-script";
import { labAclPath } from "./lab-spec";
import { removeTrialNetns, trialNetns, type ApproachSamples } from "./network-lab";
import { BENCH_DIR } from "./paths";
import { commandKey, probeEnv, profile, readProbeLog, type ProbeEntry, type ProbeSummary } from "./probe-log";
import { driftOf } from "./provider-lab";

/** The NatNetwork program's folder. */
export const NAT_NETWORK_PROGRAM = path.join(BENCH_DIR, "programs", "nat-network");
/** Custom resources the program declares: NetworkNamespace, Bridge, BridgeAcl, DhcpServer, NetworkNat. */
export const NAT_RESOURCES = 5;

/** The provider's side of the row. */
export interface NatProviderSamples {
  up: number[];
  refresh: number[];
  destroy: number[];
  upSpawns: number[];
  refreshSpawns: number[];
  destroySpawns: number[];
  /** `nft` processes the refresh spawned, per trial (NetworkNat's read). */
  refreshNft: number[];
  /** Processes of the refresh that touch dnsmasq or its files (dnsmasq, cat, kill, ss, a lease/hosts path), per trial. */
  refreshDhcp: number[];
  /** Resources a no-change refresh reported as drifted, per trial (must be none). */
  drift: string[][];
  /** Which commands the provider ran, per operation, in the last trial. */
  commands: Record<"up" | "refresh" | "destroy", Array<[string, number]>>;
}

/** One refresh at another number of leases: the provider's refresh processes there, for comparison. */
export interface NatControl {
  leases: number;
  refreshSpawns: number;
  commands: Array<[string, number]>;
}

/** Everything measured for the NatNetwork row. */
export interface NatSamples {
  leases: number;
  resources: number;
  provider: NatProviderSamples;
  shell: ApproachSamples;
  control?: NatControl;
}

/** Is this spawn an nft process? Pure. */
export function isNftSpawn(argv: readonly string[]): boolean {
  return commandKey(argv).split(" ").includes("nft");
}

/** Does this spawn touch dnsmasq or read its files (the lease-file side of a DhcpServer's read)? Pure. */
export function isDhcpSpawn(argv: readonly string[]): boolean {
  const words = commandKey(argv).split(" ");
  return words.some((w) => ["dnsmasq", "cat", "kill", "ss"].includes(w)) || argv.some((a) => /\/(leases|hosts|names|dnsmasq\.(pid|conf))$/.test(a));
}

const count = (spawns: readonly ProbeEntry[], f: (argv: readonly string[]) => boolean) => spawns.filter((s) => f(s.argv ?? [])).length;

/** A trial's folder: mode 0755 (dnsmasq's user must pass through it), holding `state/` (provider) and `shell/`. */
function trialRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "qlbench-nat-"));
  fs.chmodSync(root, 0o755);
  fs.mkdirSync(path.join(root, "state"), { mode: 0o755 });
  return root;
}

/** Live dnsmasq processes of this trial: named by a pidfile under `root`, or started with a config under it. */
export function trialDnsmasqPids(root: string): number[] {
  const ours = (pid: number): boolean => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "")[0];
      return path.basename(argv[0] ?? "") === "dnsmasq" && argv.some((a) => a.startsWith(`--conf-file=${root}/`)) && state !== "Z";
    } catch {
      return false; // gone
    }
  };
  const pids = new Set<number>();
  const dhcpRoot = path.join(root, "state", "dhcp");
  const dirs = [path.join(root, "shell"), ...(fs.existsSync(dhcpRoot) ? fs.readdirSync(dhcpRoot).map((d) => path.join(dhcpRoot, d)) : [])];
  for (const d of dirs) {
    const pid = Number(fs.existsSync(path.join(d, "dnsmasq.pid")) ? fs.readFileSync(path.join(d, "dnsmasq.pid"), "utf8").trim() : NaN);
    if (Number.isInteger(pid) && pid > 0) pids.add(pid);
  }
  // Why also scan /proc: a dnsmasq may run before (or after losing) its pidfile.
  for (const e of fs.readdirSync("/proc")) if (/^\d+$/.test(e)) pids.add(Number(e));
  return [...pids].filter(ours);
}

async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    let state: string | undefined;
    try {
      state = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "")[0];
    } catch {
      return true;
    }
    if (state === "Z") return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Kill (SIGKILL, by pid) every dnsmasq of this trial still running; returns how many there were. */
export async function stopTrialDnsmasq(root: string): Promise<number> {
  const pids = trialDnsmasqPids(root);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // exited meanwhile
    }
    await waitGone(pid);
  }
  return pids.length;
}

/** The one DhcpServer folder the provider made under `stateDir` (`<stateDir>/dhcp/<name>/`). */
function providerDhcpDir(stateDir: string): string {
  const root = path.join(stateDir, "dhcp");
  const dirs = fs.existsSync(root) ? fs.readdirSync(root) : [];
  if (dirs.length !== 1) throw new Error(`expected one DhcpServer folder in ${root}, found ${JSON.stringify(dirs)}`);
  return path.join(root, dirs[0]!);
}

/**
 * Check that the NAT network is really there: the bridge is up with its address, bridge.conf allows it, the namespace
 * has a qemu_lab_nat_ table with 2 DNAT rules per lease and libvirt's three masquerade rules, the pidfile names a live dnsmasq, and the
 * hosts file has one line per lease.
 */
export function verifyNat(netns: string, leases: number, dhcpDir: string): void {
  const where = `NAT network in ${netns}`;
  const links = JSON.parse(execFileSync("ip", ["-n", netns, "-j", "addr", "show", "dev", NAT_BRIDGE], { encoding: "utf8" }) || "[]") as Array<{
    flags: string[];
    addr_info: Array<{ local: string; prefixlen: number }>;
  }>;
  const br = links[0];
  if (!br || !br.flags.includes("UP") || !br.addr_info.some((a) => `${a.local}/${a.prefixlen}` === NAT_ADDRESS)) throw new Error(`${where}: bridge ${NAT_BRIDGE} missing, down or without ${NAT_ADDRESS}`);
  if (!new RegExp(`^allow ${NAT_BRIDGE}$`, "m").test(fs.readFileSync(labAclPath(netns), "utf8"))) throw new Error(`${where}: no "allow ${NAT_BRIDGE}" in ${labAclPath(netns)}`);
  const nft = (...args: string[]) => JSON.parse(execFileSync("ip", ["netns", "exec", netns, "nft", "-j", ...args], { encoding: "utf8" })) as { nftables: Array<Record<string, { name?: string; expr?: unknown[] }>> };
  const tables = nft("list", "tables", "ip").nftables.flatMap((o) => (o.table?.name?.startsWith(NAT_TABLE_PREFIX) ? [o.table.name] : []));
  if (tables.length !== 1) throw new Error(`${where}: expected one ${NAT_TABLE_PREFIX}* table, found ${JSON.stringify(tables)}`);
  const rules = nft("list", "table", "ip", tables[0]!).nftables.flatMap((o) => (o.rule ? [JSON.stringify(o.rule.expr)] : []));
  // A DNAT statement is the key `"dnat":` (the hairpin rule only matches `ct status dnat`).
  const dnat = rules.filter((r) => r.includes('"dnat":')).length;
  const masq = rules.filter((r) => r.includes('"masquerade"')).length;
  if (dnat !== 2 * leases || masq !== 3) throw new Error(`${where}: table ${tables[0]} has ${dnat} dnat and ${masq} masquerade rules, expected ${2 * leases} and 3`);
  const pidFile = path.join(dhcpDir, "dnsmasq.pid");
  const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
  let exe = "";
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    // not running
  }
  if (path.basename(exe) !== "dnsmasq") throw new Error(`${where}: ${pidFile} names pid ${pid}, which is not a running dnsmasq`);
  const hosts = fs.readFileSync(path.join(dhcpDir, "hosts"), "utf8").split("\n").filter((l) => l.trim() !== "");
  if (hosts.length !== leases) throw new Error(`${where}: ${dhcpDir}/hosts has ${hosts.length} lines, expected ${leases}`);
}

/** Destroy left nothing: the namespace is gone and every dnsmasq of the trial exits (within 5 s: the shell does not wait). */
async function assertGone(netns: string, root: string): Promise<void> {
  if (execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).split("\n").some((l) => l.split(" ")[0] === netns)) throw new Error(`destroy left namespace ${netns} behind`);
  const left: number[] = [];
  for (const pid of trialDnsmasqPids(root)) if (!(await waitGone(pid))) left.push(pid);
  if (left.length) throw new Error(`destroy left dnsmasq running (pid ${left.join(", ")})`);
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await f();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

/** One provider trial: up (verified), refresh, destroy (verified gone), with a probe log per operation. */
async function providerTrial(
  leases: number,
  log: (s: string) => void,
): Promise<{ ms: Record<"up" | "refresh" | "destroy", number>; probe: Record<"up" | "refresh" | "destroy", ProbeSummary>; drift: string[] }> {
  const netns = trialNetns();
  const root = trialRoot();
  const stateFile = path.join(root, "stack.json");
  let output = "";
  const ms = { up: 0, refresh: 0, destroy: 0 };
  const probe = { up: { spawns: [] }, refresh: { spawns: [] }, destroy: { spawns: [] } } as Record<"up" | "refresh" | "destroy", ProbeSummary>;
  const op = async (name: "up" | "refresh" | "destroy"): Promise<OperationResult> => {
    const probeFile = path.join(root, `${name}.probe`);
    const driver = new LifecycleDriver({
      programDir: NAT_NETWORK_PROGRAM,
      stack: "bench",
      stateFile,
      config: { leases, netns, stateDir: path.join(root, "state") },
      write: (text) => (output += text),
      env: probeEnv(probeFile),
    });
    output = "";
    try {
      const { ms: t, value } = await timed(() => driver[name]());
      ms[name] = t;
      probe[name] = readProbeLog(probeFile);
      log(`NatNetwork ${name} leases=${leases}: ${(t / 1000).toFixed(3)} s`);
      return value;
    } catch (e) {
      throw new Error(`${name} of the NatNetwork (leases=${leases}) failed: ${messageOf(e)}\n--- driver output ---\n${output}`);
    }
  };
  try {
    const up = await op("up");
    const created = up.steps.filter((s) => s.custom && s.op === "create").length;
    if (created !== NAT_RESOURCES) throw new Error(`NatNetwork up created ${created} resources, expected ${NAT_RESOURCES}`);
    verifyNat(netns, leases, providerDhcpDir(path.join(root, "state")));
    const refresh = await op("refresh");
    await op("destroy");
    await assertGone(netns, root);
    return { ms, probe, drift: driftOf(refresh) };
  } finally {
    await stopTrialDnsmasq(root);
    removeTrialNetns(netns);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function timeScript(script: string): Promise<number> {
  return (await timed(() => runScript(script))).ms;
}

/** One shell-baseline trial: up (verified like the provider's), read back, destroy (verified gone). */
async function shellTrial(leases: number, into: ApproachSamples): Promise<void> {
  const netns = trialNetns();
  const root = trialRoot();
  const dir = path.join(root, "shell");
  const up = natShellUpSteps(netns, leases, dir);
  const read = natShellReadSteps(netns, dir);
  const destroy = natShellDestroySteps(netns, dir);
  try {
    into.up.push(await timeScript(scriptOf(up)));
    verifyNat(netns, leases, dir);
    into.refresh.push(await timeScript(scriptOf(read)));
    into.destroy.push(await timeScript(scriptOf(destroy)));
    await assertGone(netns, root);
    into.upProcesses = stepProcesses(up);
    into.refreshProcesses = stepProcesses(read);
    into.destroyProcesses = stepProcesses(destroy);
  } finally {
    await stopTrialDnsmasq(root);
    removeTrialNetns(netns);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Measures the NatNetwork row: `reps` trials each of the provider and the shell baseline with `leases` static leases
 * (and as many forwards); with `controlLeases`, one more provider trial at that size, to compare refresh processes.
 */
export async function measureNatNetwork(leases: number, reps: number, log: (s: string) => void, opts: { controlLeases?: number } = {}): Promise<NatSamples> {
  const shell: ApproachSamples = { up: [], refresh: [], destroy: [] };
  const provider: NatProviderSamples = {
    up: [],
    refresh: [],
    destroy: [],
    upSpawns: [],
    refreshSpawns: [],
    destroySpawns: [],
    refreshNft: [],
    refreshDhcp: [],
    drift: [],
    commands: { up: [], refresh: [], destroy: [] },
  };
  for (let rep = 0; rep < reps; rep++) {
    log(`NatNetwork leases=${leases} repetition ${rep + 1}/${reps}: shell script`);
    await shellTrial(leases, shell);
    log(`NatNetwork leases=${leases} repetition ${rep + 1}/${reps}: provider (lifecycle driver)`);
    const t = await providerTrial(leases, log);
    for (const o of ["up", "refresh", "destroy"] as const) provider[o].push(t.ms[o]);
    provider.upSpawns.push(t.probe.up.spawns.length);
    provider.refreshSpawns.push(t.probe.refresh.spawns.length);
    provider.destroySpawns.push(t.probe.destroy.spawns.length);
    provider.refreshNft.push(count(t.probe.refresh.spawns, isNftSpawn));
    provider.refreshDhcp.push(count(t.probe.refresh.spawns, isDhcpSpawn));
    provider.drift.push(t.drift);
    provider.commands = { up: profile(t.probe.up.spawns), refresh: profile(t.probe.refresh.spawns), destroy: profile(t.probe.destroy.spawns) };
  }
  let control: NatControl | undefined;
  if (opts.controlLeases !== undefined) {
    log(`NatNetwork leases=${opts.controlLeases}: provider, for comparing refresh processes`);
    const t = await providerTrial(opts.controlLeases, log);
    control = { leases: opts.controlLeases, refreshSpawns: t.probe.refresh.spawns.length, commands: profile(t.probe.refresh.spawns) };
  }
  return { leases, resources: NAT_RESOURCES, provider, shell, control };
}
