/**
 * The VM part: from create called to the guest's forwarded port answering (QemuVm with a user NIC forwarding a
 * port, served by the real dynamic-provider process over gRPC), against the same QEMU command line started by
 * hand; and delete of a guest that powers off and of one that ignores the power button. Everything runs in a
 * namespace the benchmark creates and removes; QEMU processes are ours and are killed by PID.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ProviderClient, serializeDynamicProvider } from "../driver";
import { providerShim } from "../sdk/shim";
import { ensureTestGuest, expectedGuestBanner, guestKernelArgs, type TestGuest } from "../test/support/guest";
import { NETWORK_LAB_PROGRAM } from "./provider-lab";
import { BENCH_DIR, PROJECT_DIR } from "./paths";
import { removeTrialNetns, trialNetns } from "./network-lab";

/** VM timings (ms) over the repetitions. */
export interface VmSamples {
  providerBoot: number[];
  manualBoot: number[];
  destroyCooperative: number[];
  destroyStubborn: number[];
}

/** Why the VM part cannot run here, or undefined when it can. */
export function vmUnavailable(): string | undefined {
  try {
    execFileSync("qemu-system-x86_64", ["--version"], { stdio: "ignore" });
  } catch {
    return "qemu-system-x86_64 is not installed";
  }
  const built = path.join(PROJECT_DIR, "dist", "provider", "resources", "qemu-vm", "provider.js");
  if (!fs.existsSync(built)) return `${built} is missing: run \`npm run build\``;
  return undefined;
}

/**
 * test/support/guest.ts finds the build script and cache from its own folder; compiled into bench/.out that is
 * bench/.out, so point it at the project's (a symlink in our own output folder, and the cache by env).
 */
function locateGuestSupport(): void {
  process.env.QEMU_LAB_GUEST_DIR ??= path.join(PROJECT_DIR, ".cache", "test-guest");
  const outRoot = path.resolve(__dirname, "..");
  if (BENCH_DIR === __dirname) return; // running from source: paths are right
  const link = path.join(outRoot, "scripts");
  if (!fs.existsSync(link)) fs.symlinkSync(path.join(PROJECT_DIR, "scripts"), link);
}

/**
 * A poller inside the namespace: connects to 127.0.0.1:port every 10 ms and prints the epoch ms at which the
 * guest's banner arrived. One process, started before the clock starts, so polling costs nothing measurable.
 */
function startPoller(netns: string, port: number, banner: string): { ready: Promise<number>; stop: () => void } {
  const script = `
const net = require("net");
const want = ${JSON.stringify(banner)};
const attempt = () => {
  const s = net.connect(${port}, "127.0.0.1");
  let buf = "";
  s.setTimeout(2000, () => s.destroy());
  s.on("data", (d) => { buf += d; if (buf.includes(want)) { process.stdout.write(String(Date.now()) + "\\n"); process.exit(0); } });
  s.on("error", () => {});
  s.on("close", () => setTimeout(attempt, 10));
};
attempt();`;
  const child: ChildProcess = spawn("ip", ["netns", "exec", netns, process.execPath, "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`port poller exited with ${code}`))));
  });
  ready.catch(() => undefined);
  return {
    ready,
    stop: () => {
      if (child.exitCode === null && child.pid !== undefined) child.kill("SIGKILL");
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what} did not happen within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

const urn = (name: string) => `urn:pulumi:bench::bench::pulumi-nodejs:dynamic/qemu-lab:QemuVm::${name}`;

/** Inputs of the benchmark VM: the test guest, TCG, one user NIC forwarding hostPort → guest 22. */
function vmInputs(guest: TestGuest, name: string, netns: string, stateDir: string, hostPort: number, ignoreAcpi: boolean) {
  return {
    name,
    accel: "tcg",
    memoryMiB: 192,
    kernel: guest.kernel,
    initrd: guest.initrd,
    // A static address (usernet's guest address): no DHCP wait, whose timing varies, in the boot being compared.
    kernelArgs: guestKernelArgs({ listen: [22], name, ignoreAcpi, dhcp: false, ip: [{ iface: "eth0", address: "10.0.2.15/24", gateway: "10.0.2.2" }] }),
    nics: [{ type: "user", hostForwards: [{ hostAddress: "127.0.0.1", hostPort, guestPort: 22 }] }],
    stopTimeoutSeconds: ignoreAcpi ? 5 : 30,
    host: { netns, stateDir },
  };
}

function killPid(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

/** One repetition: provider boot + cooperative delete, the same argv by hand, a guest that ignores ACPI. */
async function vmTrial(client: ProviderClient, provider: string, guest: TestGuest, into: VmSamples, log: (s: string) => void): Promise<void> {
  const netns = trialNetns();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-lab-bench-vm-"));
  const pids: number[] = [];
  try {
    execFileSync("ip", ["netns", "add", netns]);
    execFileSync("ip", ["-n", netns, "link", "set", "lo", "up"]);
    const port = 2222;

    // Provider: create called → banner on the forwarded port.
    const news = { __provider: provider, ...vmInputs(guest, "benchvm", netns, stateDir, port, false) };
    const checked = await client.check({ urn: urn("benchvm"), news });
    if (checked.failures.length) throw new Error(`QemuVm check failed: ${JSON.stringify(checked.failures)}`);
    let poll = startPoller(netns, port, expectedGuestBanner(22, "benchvm"));
    let t0 = Date.now();
    const created = await client.create({ urn: urn("benchvm"), properties: checked.inputs });
    const pid = Number(created.properties.pid);
    pids.push(pid);
    into.providerBoot.push((await withTimeout(poll.ready, 180_000, "the provider-started guest's port answering")) - t0);
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    t0 = Date.now();
    await client.delete({ urn: urn("benchvm"), id: created.id, properties: created.properties });
    into.destroyCooperative.push(Date.now() - t0);
    log(`vm: provider boot ${into.providerBoot.at(-1)} ms, cooperative delete ${into.destroyCooperative.at(-1)} ms`);

    // By hand: the very same QEMU argv, polling the same port.
    const vmDir = path.join(stateDir, "vms", "benchvm");
    fs.rmSync(vmDir, { recursive: true, force: true });
    fs.mkdirSync(vmDir, { recursive: true });
    poll = startPoller(netns, port, expectedGuestBanner(22, "benchvm"));
    t0 = Date.now();
    execFileSync("ip", ["netns", "exec", netns, ...argv], { stdio: "ignore", timeout: 60_000 });
    const manualPid = Number(fs.readFileSync(path.join(vmDir, "qemu.pid"), "utf8").trim());
    pids.push(manualPid);
    into.manualBoot.push((await withTimeout(poll.ready, 180_000, "the hand-started guest's port answering")) - t0);
    killPid(manualPid);
    log(`vm: by hand ${into.manualBoot.at(-1)} ms`);

    // A guest that ignores the power button: delete waits stopTimeoutSeconds (5 s), then stops QEMU itself.
    const deafNews = { __provider: provider, ...vmInputs(guest, "benchdeaf", netns, stateDir, port + 1, true) };
    const deafChecked = await client.check({ urn: urn("benchdeaf"), news: deafNews });
    poll = startPoller(netns, port + 1, expectedGuestBanner(22, "benchdeaf"));
    const deaf = await client.create({ urn: urn("benchdeaf"), properties: deafChecked.inputs });
    pids.push(Number(deaf.properties.pid));
    await withTimeout(poll.ready, 180_000, "the ACPI-deaf guest's port answering");
    t0 = Date.now();
    await client.delete({ urn: urn("benchdeaf"), id: deaf.id, properties: deaf.properties });
    into.destroyStubborn.push(Date.now() - t0);
    log(`vm: delete of an ACPI-deaf guest ${into.destroyStubborn.at(-1)} ms`);
    poll.stop();
  } finally {
    for (const pid of pids) killPid(pid); // ours, by PID; already gone is fine
    removeTrialNetns(netns);
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Measures the VM part `reps` times in one dynamic-provider process. */
export async function measureVm(reps: number, log: (s: string) => void): Promise<VmSamples> {
  locateGuestSupport();
  const guest = await ensureTestGuest();
  const provider = await serializeDynamicProvider(providerShim("QemuVm"));
  const client = await ProviderClient.start({ cwd: NETWORK_LAB_PROGRAM });
  const samples: VmSamples = { providerBoot: [], manualBoot: [], destroyCooperative: [], destroyStubborn: [] };
  try {
    await client.configure({});
    for (let i = 0; i < reps; i++) await vmTrial(client, provider, guest, samples, log);
  } finally {
    await client.close();
  }
  return samples;
}
