/**
 * `npm run demo`: the quickstart lab through its whole life — preview, up, a connection through the forward,
 * drift made by hand, refresh, up repairing it, destroy — with a readable transcript, leaving nothing behind.
 * Runs the unmodified examples/quickstart program with the real @pulumi/pulumi runtime and dynamic-provider host
 * (the lifecycle driver; no Pulumi CLI needed). With `QEMU_LAB_DRIVER=pulumi-cli` the same runs through the real
 * Pulumi CLI (Automation API; the one scripts/install-pulumi-cli.sh builds, or `pulumi` on PATH).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliLifecycleDriver, createDriver } from "../driver";
import { connectForBanner } from "./banner";
import { messageOf } from "../provider/host/runner/message-of";

const ROOT = path.resolve(__dirname, "..", "..");
const PROGRAM = path.join(ROOT, "examples", "quickstart");
const NETNS = process.env.QEMU_LAB_DEMO_NETNS ?? "qlab-demo";
const BRIDGE = "qbr0";
const BRIDGE_ADDR = "192.168.77.1/24";

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
let stepNo = 0;
function step(title: string): void {
  stepNo++;
  process.stdout.write(`\n${bold(`━━ ${stepNo}. ${title}`)}\n`);
}
function say(s: string): void {
  process.stdout.write(`   ${s}\n`);
}
/** Run a host command the way a person would type it, echoing it. */
function run(argv: string[]): string {
  process.stdout.write(`   $ ${argv.join(" ")}\n`);
  const out = execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  if (out.trim()) process.stdout.write(out.trimEnd().replace(/^/gm, "     ") + "\n");
  return out;
}

function buildGuest(): { kernel: string; initrd: string } {
  const r = spawnSync("bash", [path.join(ROOT, "scripts", "build-test-guest.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error("building the demo guest failed (scripts/build-test-guest.sh)");
  const dir = process.env.QEMU_LAB_GUEST_DIR ?? path.join(ROOT, ".cache", "test-guest");
  // The uncompressed kernel boots seconds faster under TCG (no in-guest decompression).
  const kernel = fs.existsSync(path.join(dir, "vmlinux")) ? path.join(dir, "vmlinux") : path.join(dir, "vmlinuz");
  return { kernel, initrd: path.join(dir, "initrd.cpio.gz") };
}

function leftovers(stateDir: string): string[] {
  const out: string[] = [];
  const ns = execFileSync("ip", ["-j", "netns", "list"], { encoding: "utf8" }).trim();
  if (ns && (JSON.parse(ns) as { name: string }[]).some((n) => n.name === NETNS)) out.push(`namespace ${NETNS}`);
  if (fs.existsSync(`/etc/netns/${NETNS}`)) out.push(`/etc/netns/${NETNS}`);
  const vms = path.join(stateDir, "vms");
  if (fs.existsSync(vms) && fs.readdirSync(vms).length > 0) out.push(`VM state in ${vms}: ${fs.readdirSync(vms).join(", ")}`);
  const dhcp = path.join(stateDir, "dhcp");
  if (fs.existsSync(dhcp) && fs.readdirSync(dhcp).length > 0) out.push(`DHCP state in ${dhcp}: ${fs.readdirSync(dhcp).join(", ")}`);
  // Why -r: pgrep counts zombies, and PID 1 here reaps slowly.
  for (const [what, pattern] of [["QEMU", `qemu-system.*${stateDir}`], ["dnsmasq", `dnsmasq.*${stateDir}`]]) {
    const found = spawnSync("pgrep", ["-r", "R,S,D,T", "-af", pattern!], { encoding: "utf8" }).stdout.trim();
    if (found) out.push(`${what} processes: ${found}`);
  }
  return out;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("the demo changes host networking (in its own namespace): run it as root");
  const work = path.join(ROOT, ".lab-state");
  fs.mkdirSync(work, { recursive: true });
  const stateFile = path.join(work, "demo-stack.json");
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-lab-demo-"));
  fs.chmodSync(stateDir, 0o755); // dnsmasq reads its files here as user dnsmasq

  step("Prerequisites and a small Debian guest (kernel + busybox initramfs, cached in .cache/)");
  const guest = buildGuest();
  say(`kernel ${path.relative(ROOT, guest.kernel)}, initrd ${path.relative(ROOT, guest.initrd)}`);

  // Why the cached CLI: scripts/install-pulumi-cli.sh links its build there (a `pulumi` on PATH is used otherwise).
  const cachedCli = path.join(ROOT, ".cache", "pulumi-cli", "bin");
  const driver = createDriver({
    pulumiBin: fs.existsSync(path.join(cachedCli, "pulumi")) ? cachedCli : undefined,
    programDir: PROGRAM,
    stack: "demo",
    stateFile,
    config: {
      kernel: guest.kernel,
      initrd: guest.initrd,
      accel: process.env.QEMU_LAB_ACCEL ?? "auto",
      namespace: NETNS,
      bridgeName: BRIDGE,
      bridgeAddress: BRIDGE_ADDR,
      stateDir,
    },
    write: (t) => process.stdout.write(t.replace(/^/gm, "   ").replace(/ {3}$/, "")),
  });

  if (driver.state().resources.length > 0) {
    step("A previous demo was interrupted: destroying what it left");
    await driver.destroy();
  }
  let ok = false;
  try {
    step("pulumi preview — what would be created (Check and Diff only; nothing touches the host)");
    await driver.preview();

    step("pulumi up — namespace, bridge, bridge.conf entry, dnsmasq for DHCP, two VMs, a live port forward");
    await driver.up();
    run(["ip", "-n", NETNS, "-br", "addr", "show", "dev", BRIDGE]);
    run(["ip", "-n", NETNS, "-br", "link", "show", "master", BRIDGE]);
    run(["cat", `/etc/netns/${NETNS}/qemu/bridge.conf`]);

    step("Through the forward: 127.0.0.1:2222 in the lab namespace → the user-networking VM's port 22");
    say(`banner: ${(await connectForBanner(NETNS, "127.0.0.1", 2222, 90_000)).trim()}`);
    step("Across the bridge: the host's bridge address reaches the bridged VM at 192.168.77.10:22");
    say(`banner: ${(await connectForBanner(NETNS, "192.168.77.10", 22, 90_000)).trim()}`);

    step("DHCP: dnsmasq on the bridge gave the bridged VM its static lease (the lease file, as refresh reads it)");
    const dhcp = driver.state().resources.find((r) => r.urn.endsWith("::br0-dhcp"));
    const leaseFile = dhcp?.outputs.leaseFile;
    if (typeof leaseFile === "string") run(["cat", leaseFile]);
    else say("no lease file recorded (unexpected)");

    step("Someone changes the host by hand: the bridge's address is removed");
    run(["ip", "-n", NETNS, "addr", "del", BRIDGE_ADDR, "dev", BRIDGE]);

    step("pulumi refresh — reads the host and shows the drift");
    const refreshed = await driver.refresh();
    const drift = refreshed.steps.filter((s) => s.op === "refresh");
    say(drift.length ? `drift: ${drift.map((s) => `${s.name} [${s.diffs.join(", ")}]`).join("; ")}` : "no drift found (unexpected)");

    step("pulumi up — repairs the drift in place");
    await driver.up();
    run(["ip", "-n", NETNS, "-br", "addr", "show", "dev", BRIDGE]);
    ok = true;
  } finally {
    step("pulumi destroy — VMs powered off through ACPI, forward, dnsmasq, ACL line, bridge and namespace removed");
    await driver.destroy();
    const left = leftovers(stateDir);
    if (driver instanceof CliLifecycleDriver) await driver.removeStack(); // its Pulumi.demo.yaml and backend entry
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(stateFile, { force: true });
    step("Nothing left behind?");
    if (left.length) {
      say(`LEFT BEHIND: ${left.join("; ")}`);
      process.exitCode = 1;
    } else say("no namespace, no /etc/netns entry, no QEMU, no dnsmasq, no VM or DHCP state: clean.");
  }
  if (ok && !process.exitCode) process.stdout.write(`\n${bold("Demo complete.")}\n`);
}

main().catch((e) => {
  process.stderr.write(`\ndemo failed: ${messageOf(e)}\n`);
  process.exit(1);
});
