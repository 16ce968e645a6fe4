/**
 * Shared support for the end-to-end lifecycle tests: one stack of a real Pulumi program driven by the lifecycle
 * driver (preview/up/refresh/destroy) with its state file and stateDir in a temp folder, plus host readers that
 * re-read the kernel and files, and a safety-net cleanup (destroy, then QEMU by pid and namespaces).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliLifecycleDriver, DriverKind, LabDriver, LifecycleDriver, OperationError, OperationResult, StackState, StepResult } from "../../../driver";
import { netnsList, sh, uniqueName } from "../../support/netns";
import { isLive, isQemu, killQuietly } from "../../support/processes";
import { pulumiCliBin } from "../../support/pulumi-cli";
import { messageOf } from "../../../provider/host/runner/message-of";

/** Project root. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
/** The examples folder. */
export const EXAMPLES = path.join(ROOT, "examples");

/** Figures (durations) appended here as JSON lines, for the report. */
const FIGURES_FILE = process.env.QEMU_LAB_E2E_FIGURES;

/** Records one timing figure (printed by jest only when QEMU_LAB_E2E_FIGURES is set). */
export function figure(name: string, ms: number): void {
  if (FIGURES_FILE) fs.appendFileSync(FIGURES_FILE, JSON.stringify({ name, ms }) + "\n");
}

/**
 * One stack of one program, with its own temp folder (state file, stateDir) and captured CLI-like output, run by
 * the lifecycle driver or by the real Pulumi CLI (`kind`).
 */
export class LabStack {
  readonly root: string;
  readonly stateFile: string;
  /** The stack's name: unique under the CLI, whose stack config file lands in the program folder. */
  readonly stackName: string;
  /** The `stateDir` passed to every resource (VM folders, pidfiles, QMP sockets). */
  readonly stateDir: string;
  output = "";

  constructor(
    readonly programDir: string,
    /** Base config; `stateDir` is always added. */
    public config: Record<string, unknown>,
    readonly env: Record<string, string | undefined> = {},
    readonly kind: DriverKind = "driver",
  ) {
    this.stackName = kind === "pulumi-cli" ? uniqueName("e2e") : "e2e";
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-e2e-"));
    fs.chmodSync(this.root, 0o755); // dnsmasq reads its DhcpServer files under stateDir as user dnsmasq
    this.stateFile = path.join(this.root, "stack.json");
    this.stateDir = path.join(this.root, "state");
    fs.mkdirSync(this.stateDir);
  }

  /** A driver with the base config plus `overrides` (a key set to undefined is removed). */
  driver(overrides: Record<string, unknown> = {}): LabDriver {
    const options = {
      programDir: this.programDir,
      stack: this.stackName,
      stateFile: this.stateFile,
      config: { ...this.config, ...overrides, stateDir: this.stateDir },
      write: (text: string) => (this.output += text),
      // The CLI driver's passphrase (empty, as its local backend uses): stacks with secrets (cloudInit) need one.
      env: { PULUMI_CONFIG_PASSPHRASE: "", ...this.env },
    };
    return this.kind === "pulumi-cli" ? new CliLifecycleDriver({ ...options, pulumiBin: pulumiCliBin() }) : new LifecycleDriver(options);
  }

  /** Runs an operation; on failure the error carries the captured output (the last 6000 characters). */
  async run(op: Promise<OperationResult>, figureName?: string): Promise<OperationResult> {
    const started = Date.now();
    try {
      const result = await op;
      if (figureName) figure(figureName, Date.now() - started);
      return result;
    } catch (err) {
      throw new Error(`${messageOf(err)}\n--- output ---\n${this.output.slice(-6000)}`);
    }
  }

  /** Runs an operation that must fail and returns its OperationError. */
  async fails(op: Promise<OperationResult>): Promise<OperationError> {
    const err = await op.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof OperationError)) throw new Error(`expected an OperationError, got ${String(err)}\n${this.output.slice(-4000)}`);
    return err;
  }

  /** The stack's state as the engine last wrote it (the driver's state file, or the CLI's checkpoint). */
  state(): StackState {
    return this.driver().state();
  }

  /** Names of the custom resources in state (sorted). */
  stateNames(): string[] {
    return this.state()
      .resources.filter((r) => r.custom && !r.delete)
      .map((r) => r.urn.split("::").pop()!)
      .sort();
  }

  /** Outputs of a custom resource in state, by resource name. */
  outputs(name: string): Record<string, any> {
    const r = this.state().resources.find((x) => x.custom && !x.delete && x.urn.endsWith(`::${name}`));
    if (!r) throw new Error(`no resource ${name} in state (have: ${this.stateNames().join(", ")})`);
    return r.outputs as Record<string, any>;
  }

  /** Live QEMU processes of this stack: pidfiles under `<stateDir>/vms/*` whose process is a running qemu. */
  qemuPids(): Record<string, number> {
    const vms = path.join(this.stateDir, "vms");
    const out: Record<string, number> = {};
    if (!fs.existsSync(vms)) return out;
    for (const vm of fs.readdirSync(vms)) {
      const pid = pidFromFile(path.join(vms, vm, "qemu.pid"));
      if (pid && isQemu(pid)) out[vm] = pid;
    }
    return out;
  }

  /** Live dnsmasq processes of this stack: pidfiles under `<stateDir>/dhcp/*` whose process is running. */
  dnsmasqPids(): Record<string, number> {
    const root = path.join(this.stateDir, "dhcp");
    const out: Record<string, number> = {};
    if (!fs.existsSync(root)) return out;
    for (const server of fs.readdirSync(root)) {
      const pid = pidFromFile(path.join(root, server, "dnsmasq.pid"));
      if (pid && isLive(pid) && fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes("(dnsmasq)")) out[server] = pid;
    }
    return out;
  }

  /** VM folders left in the stateDir. */
  vmDirs(): string[] {
    const vms = path.join(this.stateDir, "vms");
    return fs.existsSync(vms) ? fs.readdirSync(vms).sort() : [];
  }

  /**
   * Safety net after the tests: destroy what the state still holds, then kill any QEMU of this stack by pid and
   * delete the given namespaces and folders. Returns what had to be removed by force (tests assert it is empty).
   */
  async cleanup(namespaces: string[] = [], folders: string[] = []): Promise<string[]> {
    const forced: string[] = [];
    // Why: the CLI-like transcript (step timings) helps diagnose a slow or failed run; kept only when asked for.
    if (process.env.QEMU_LAB_E2E_LOG) {
      fs.appendFileSync(process.env.QEMU_LAB_E2E_LOG, `\n===== ${this.programDir}\n${this.output}`);
    }
    try {
      if (this.state().resources.some((r) => r.custom)) {
        await this.driver().destroy().catch((e: unknown) => forced.push(`destroy failed: ${String(e)}`));
      }
    } finally {
      const driver = this.driver();
      if (driver instanceof CliLifecycleDriver) await driver.removeStack();
      const leftovers = [...Object.entries(this.dnsmasqPids()).map(([n, pid]) => [`dnsmasq ${n}`, pid] as const), ...Object.entries(this.qemuPids()).map(([n, pid]) => [`qemu ${n}`, pid] as const)];
      for (const [what, pid] of leftovers) {
        forced.push(`${what} pid ${pid}`);
        killQuietly(pid);
      }
      for (const ns of namespaces) {
        if (netnsList().includes(ns)) {
          sh(["ip", "netns", "delete", ns], { allowFail: true });
        }
        sh(["rm", "-rf", `/etc/netns/${ns}`], { allowFail: true });
      }
      for (const dir of [this.root, ...folders]) fs.rmSync(dir, { recursive: true, force: true });
    }
    return forced;
  }
}

/** The pid in a pidfile, or undefined. */
export function pidFromFile(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Custom steps only. */
export function customSteps(result: OperationResult): StepResult[] {
  return result.steps.filter((s) => s.custom);
}

/** op of every custom step by resource name, e.g. `{ br0: "same", lab: "update" }`. */
export function ops(result: OperationResult): Record<string, string> {
  return Object.fromEntries(customSteps(result).map((s) => [s.name, s.op]));
}

/** The custom step of a resource by name. */
export function stepOf(result: OperationResult, name: string): StepResult | undefined {
  return customSteps(result).find((s) => s.name === name);
}

/**
 * The plan of an operation, comparable between a preview and the up that follows: per resource its op, and for
 * replaces whether the old one goes first.
 */
export function plan(result: OperationResult): Record<string, string> {
  return Object.fromEntries(
    customSteps(result).map((s) => [s.name, s.op === "replace" ? `replace${s.deleteBeforeReplace ? " (delete first)" : ""}` : s.op]),
  );
}

/** `ip -j route show` in a namespace (main table). */
export function routesIn(netns: string): Array<Record<string, any>> {
  const out = sh(["ip", "-n", netns, "-j", "route", "show"]).trim();
  return out ? JSON.parse(out) : [];
}

/** IPv4 CIDRs on a link in a namespace (re-read from the kernel). */
export function ipv4Of(netns: string, dev: string): string[] {
  const out = sh(["ip", "-n", netns, "-j", "-4", "addr", "show", "dev", dev], { allowFail: true }).trim();
  if (!out) return [];
  return (JSON.parse(out) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>).flatMap((l) =>
    l.addr_info.map((a) => `${a.local}/${a.prefixlen}`),
  );
}

/** Lines of the namespace's bridge.conf, or undefined when it does not exist. */
export function bridgeConfLines(netns: string): string[] | undefined {
  const file = `/etc/netns/${netns}/qemu/bridge.conf`;
  if (!fs.existsSync(file)) return undefined;
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

/** True when `ping` from one namespace reaches an address (3 tries, 1 s each at most). */
export function pingFrom(netns: string, address: string): boolean {
  try {
    execFileSync("ip", ["netns", "exec", netns, "ping", "-c", "1", "-W", "1", "-w", "3", address], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** The guest's banner check, shared with the integration suites (see test/support/guest.ts). */
export { bannerFrom, expectedGuestBanner as banner } from "../../support/guest";

/** True when something in `netns` accepts TCP connections on host:port (one quick attempt). */
export function tcpOpen(netns: string, host: string, port: number): boolean {
  const code =
    `const s=require("net").connect(${port},${JSON.stringify(host)});s.setTimeout(1500,()=>process.exit(2));` +
    `s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1));`;
  try {
    execFileSync("ip", ["netns", "exec", netns, process.execPath, "-e", code], { stdio: "ignore", timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * True when an engine's transcript shows `property` as drifted: the CLI's property diff (`~ addresses : [`, from
 * `refresh --diff`) or the lifecycle driver's step line (`[diff: ~addresses]`).
 */
export function driftShown(kind: DriverKind, transcript: string, property: string): boolean {
  const escaped = property.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = kind === "pulumi-cli" ? new RegExp(`^\\s*[~+-] ${escaped}\\s*:`, "m") : new RegExp(`\\[diff: [^\\]]*~${escaped}\\b`);
  return pattern.test(transcript);
}
