/**
 * Issue 12, faults: the provider process really killed (SIGKILL, by itself, at a chosen command) in the middle of a
 * create — after `ip link add`, while the configuring `ip -batch` is in flight, after QEMU has started. A fresh
 * provider's create for the same resource then converges: one object, labelled, as asked; delete leaves nothing.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeProvider } from "../../../provider/kinds";
import { groupOf, ownerAlias } from "../../../provider/resources/common/owner";
import { linkIn, linksIn, namespacesPerTest, netnsList, uniqueName } from "../../support/netns";
import { isQemu } from "../../support/processes";
import { checkAndCreate, testContext } from "../../support/provider-harness";
import { record } from "../../support/reliability";
import { addBridge as addLabBridge, addressesOf, makeLanLab, pingHost } from "../physical-port-attachment/lan-lab";
import { qemuProcessesMentioning, tcpListeners } from "../qemu-vm/vm-fixtures";

const ROOT = path.resolve(__dirname, "../../..");
const dist = (rel: string) => JSON.stringify(path.join(ROOT, "dist", rel));

/**
 * A provider process that SIGKILLs itself at the first command matching `at` — after it finished ("after"), or while
 * it runs ("during": the command is started, then the process dies). The built package, as Pulumi's host loads it.
 */
const CHILD = `
const [kindArg, , atArg, whenArg] = process.argv.slice(1);
if (whenArg === "after-qmp-reply") {
  // A QMP command (hostfwd_add): die when QEMU's reply to it arrives, before the create looks at the result.
  const net = require("net");
  const { write, emit } = net.Socket.prototype;
  let sent = false;
  net.Socket.prototype.write = function (chunk, ...rest) { if (new RegExp(atArg).test(String(chunk))) sent = true; return write.call(this, chunk, ...rest); };
  net.Socket.prototype.emit = function (event, ...args) { if (sent && event === "data" && /"return"/.test(String(args[0]))) process.kill(process.pid, "SIGKILL"); return emit.call(this, event, ...args); };
}
if (whenArg === "after-rename") {
  // The file a create writes (bridge.conf, through write-file-atomic's rename): die right after it lands.
  const fs = require("fs");
  const rename = fs.rename;
  fs.rename = (from, to, cb) => rename.call(fs, from, to, (err) => { if (!err && new RegExp(atArg).test(to)) process.kill(process.pid, "SIGKILL"); cb(err); });
}
const { makeProvider } = require(${dist("provider/kinds")});
const { HostRegistry } = require(${dist("provider/host/host-registry")});
const { ExecaRunner } = require(${dist("provider/host/runner/execa-runner")});
const [kind, news, at, when] = [process.argv[1], JSON.parse(process.argv[2]), new RegExp(process.argv[3]), process.argv[4]];
const inner = new ExecaRunner();
const runner = {
  async run(argv, o) {
    const hit = at.test(argv.join(" ") + "\\n" + ((o && o.input) || ""));
    const p = inner.run(argv, o);
    if (hit && when === "during") setTimeout(() => process.kill(process.pid, "SIGKILL"), 5);
    const r = await p;
    if (hit) process.kill(process.pid, "SIGKILL");
    return r;
  },
};
const p = makeProvider(kind, { hosts: new HostRegistry(runner) });
p.check({}, news).then((c) => p.create(c.inputs)).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
`;

function killedCreate(kind: string, news: Record<string, unknown>, at: string, when: "after" | "during" | "after-rename" | "after-qmp-reply"): Promise<NodeJS.Signals | number> {
  const child = spawn(process.execPath, ["-e", CHILD, kind, JSON.stringify(news), at, when], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((r) => child.once("exit", (code, signal) => r(signal ?? code ?? -1)));
}

describe("the provider killed mid-create (a real SIGKILL of a real provider process)", () => {
  const spaces = namespacesPerTest();
  const OWNER = "lab/dev/br#0123456789ab";
  const claimDirs: string[] = [];
  afterEach(() => {
    for (const d of claimDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  test.each([
    ["after `ip link add`, before the alias", "link add name", "after" as const],
    ["while the configuring ip -batch runs", "alias pulumi-qemu-lab", "during" as const],
    ["after the configuring ip -batch, before the result is recorded", "alias pulumi-qemu-lab", "after" as const],
  ])("Bridge, %s: the next create resumes it; one bridge, labelled, as asked", async (point, at, when) => {
    const ns = spaces.create("qlkill");
    const news = { name: "brk", addresses: ["10.77.0.1/24"], mtu: 1400, host: { netns: ns }, __owner: OWNER };
    expect(await killedCreate("Bridge", news, at, when)).toBe("SIGKILL");
    const left = linkIn(ns, "brk");
    expect(left?.linkinfo?.info_kind).toBe("bridge"); // the kill left a bridge behind
    const { outs } = await checkAndCreate(makeProvider("Bridge", testContext()), news);
    const brk = linkIn(ns, "brk")!;
    expect(linksIn(ns).filter((l) => l.linkinfo?.info_kind === "bridge").map((l) => l.ifname)).toEqual(["brk"]);
    expect([brk.ifindex, brk.ifalias, groupOf(brk as never), brk.mtu, brk.flags.includes("UP")]).toEqual([left!.ifindex, ownerAlias(OWNER), 0, 1400, true]);
    expect((brk.addr_info as Array<{ local: string; prefixlen: number }>).map((a) => `${a.local}/${a.prefixlen}`)).toEqual(["10.77.0.1/24"]);
    expect(outs).toMatchObject({ name: "brk", created: true, addresses: ["10.77.0.1/24"] });
    await makeProvider("Bridge", testContext()).delete!("brk", outs);
    expect(linkIn(ns, "brk")).toBeUndefined();
    record({ section: "faults", subject: `provider SIGKILLed mid-create (Bridge, ${point})`, resumed: true, bridgesAfter: 1 });
  });

  test("VethPair, after `ip link add`, before the alias: the next create resumes it; one pair, labelled", async () => {
    const ns = spaces.create("qlkill");
    const news = { name: "vk0", peerName: "vk1", host: { netns: ns }, __owner: "lab/dev/veth#0123456789ab" };
    expect(await killedCreate("VethPair", news, "link add name vk0", "after")).toBe("SIGKILL");
    const left = linkIn(ns, "vk0")!;
    expect(left.ifalias).toBeUndefined();
    const { outs } = await checkAndCreate(makeProvider("VethPair", testContext()), news);
    const vk0 = linkIn(ns, "vk0")!;
    expect([vk0.ifindex, vk0.ifalias, groupOf(vk0 as never), vk0.flags.includes("UP")]).toEqual([left.ifindex, ownerAlias(news.__owner), 0, true]);
    expect(linksIn(ns).filter((l) => l.linkinfo?.info_kind === "veth").map((l) => l.ifname).sort()).toEqual(["vk0", "vk1"]);
    await makeProvider("VethPair", testContext()).delete!("vk0", outs);
    expect(linkIn(ns, "vk0")).toBeUndefined();
    record({ section: "faults", subject: "provider SIGKILLed mid-create (VethPair, after ip link add)", resumed: true, pairsAfter: 1 });
  });

  test("NetworkNamespace, after `ip netns add`, before its loopback is labelled: the next create resumes it (by its claim)", async () => {
    const name = spaces.track(uniqueName("qlkns"));
    claimDirs.push(`/run/qemu-lab/netns-claims/${name}`);
    const owner = "lab/dev/ns#0123456789ab";
    expect(await killedCreate("NetworkNamespace", { name, __owner: owner }, "^ip netns add", "after")).toBe("SIGKILL");
    expect(netnsList()).toContain(name);
    // Another stack is refused: the claim names its owner only.
    await expect(checkAndCreate(makeProvider("NetworkNamespace", testContext()), { name, __owner: "lab/other/ns#ffffffffffff" })).rejects.toThrow(/already exists; set `adopt: true`/);
    const { outs } = await checkAndCreate(makeProvider("NetworkNamespace", testContext()), { name, __owner: owner });
    expect(outs).toMatchObject({ name, created: true });
    expect(linkIn(name, "lo")?.ifalias).toBe(ownerAlias(owner));
    expect(fs.existsSync(`/run/qemu-lab/netns-claims/${name}`)).toBe(false);
    await makeProvider("NetworkNamespace", testContext()).delete!(name, outs);
    expect(netnsList()).not.toContain(name);
    record({ section: "faults", subject: "provider SIGKILLed mid-create (NetworkNamespace, after ip netns add)", resumed: true });
  });

  test("BridgeAcl, after its bridge.conf write landed: the next create takes that entry over; one entry", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-kill-acl-"));
    try {
      const conf = path.join(dir, "bridge.conf");
      fs.writeFileSync(conf, "deny lan9\n");
      const owner = "lab/dev/acl#0123456789ab";
      // No name: auto-named, so the retry (no recorded state) gets another name and id, as under Pulumi.
      expect(await killedCreate("BridgeAcl", { bridge: "br0", confPath: conf, __resourceName: "acl", __owner: owner }, "bridge\\.conf$", "after-rename")).toBe("SIGKILL");
      expect(fs.readFileSync(conf, "utf8").split("\n").filter((l) => l === "allow br0")).toHaveLength(1);
      const { id, outs } = await checkAndCreate(makeProvider("BridgeAcl", testContext()), { bridge: "br0", confPath: conf, __resourceName: "acl", __owner: owner });
      const lines = fs.readFileSync(conf, "utf8").split("\n");
      expect(lines.filter((l) => l === "allow br0")).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith("# pulumi-qemu-lab:"))).toEqual([`# pulumi-qemu-lab: BridgeAcl id=${id} bridge=br0 owner=${owner}`]);
      await makeProvider("BridgeAcl", testContext()).delete!(id, outs);
      expect(fs.readFileSync(conf, "utf8")).toBe("deny lan9\n");
      record({ section: "faults", subject: "provider SIGKILLed mid-create (BridgeAcl, after its bridge.conf write)", resumed: true, entriesAfter: 1 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("PortForward, after QEMU answered hostfwd_add: the next create takes that forward over (by its claim); another stack is refused", async () => {
    const ns = spaces.create("qlkill");
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-kill-"));
    try {
      const vm = await checkAndCreate(makeProvider("QemuVm", testContext()), { name: "vmf", accel: "tcg", memoryMiB: 64, stopTimeoutSeconds: 1, nics: [{ type: "user" }], host: { netns: ns, stateDir } });
      const owner = "lab/dev/fwd#0123456789ab";
      const news = { vm: "vmf", vmInstanceId: vm.outs.instanceId, hostPort: 2401, guestPort: 22, host: { netns: ns, stateDir }, __resourceName: "fwd", __owner: owner };
      expect(await killedCreate("PortForward", news, "hostfwd_add", "after-qmp-reply")).toBe("SIGKILL");
      expect(tcpListeners(ns)).toContain("127.0.0.1:2401"); // the kill left the forward in QEMU
      await expect(checkAndCreate(makeProvider("PortForward", testContext()), { ...news, __owner: "lab/other/fwd#ffffffffffff" })).rejects.toThrow(/already exists on netdev "net0"/);
      const { id, outs } = await checkAndCreate(makeProvider("PortForward", testContext()), news);
      expect(outs).toMatchObject({ active: true, created: true, rule: "tcp:127.0.0.1:2401-:22" });
      expect(tcpListeners(ns).filter((l) => l === "127.0.0.1:2401")).toHaveLength(1);
      await makeProvider("PortForward", testContext()).delete!(id, outs);
      expect(tcpListeners(ns)).not.toContain("127.0.0.1:2401");
      expect(fs.readdirSync(path.join(stateDir, "vms", "vmf", "forwards"))).toEqual([]);
      await makeProvider("QemuVm", testContext()).delete!(vm.id, vm.outs);
      record({ section: "faults", subject: "provider SIGKILLed mid-create (PortForward, after QEMU answered hostfwd_add)", resumed: true, forwardsAfter: 1 });
    } finally {
      for (const pid of qemuProcessesMentioning(stateDir)) process.kill(pid, "SIGKILL");
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test.each([
    ["after the port is enslaved", "master virbr0"],
    ["after its addresses were added to the bridge, before it is enslaved", "addr add \\S+ dev virbr0"],
  ])("PhysicalPortAttachment with moveAddresses, killed %s: the next create resumes it (by its claim), and delete gives everything back", async (_point, at) => {
    const lab = makeLanLab(spaces);
    claimDirs.push(`/run/qemu-lab/port-claims/${lab.host}`); // removed even when the test fails
    addLabBridge(lab.host, "virbr0");
    const owner = "lab/dev/uplink#0123456789ab";
    const news = { bridge: "virbr0", port: "eno1", moveAddresses: true, host: { netns: lab.host }, __owner: owner };
    const before = addressesOf(lab.host, "eno1").sort();
    expect(await killedCreate("PhysicalPortAttachment", news, at, "after")).toBe("SIGKILL");
    expect(addressesOf(lab.host, "virbr0").length).toBeGreaterThan(0); // the kill left work half done
    const { id, outs } = await checkAndCreate(makeProvider("PhysicalPortAttachment", testContext()), news);
    expect(outs).toMatchObject({ preexisting: false, movedTo: "virbr0" });
    expect([...outs.movedAddresses].sort()).toEqual(before);
    expect(addressesOf(lab.host, "virbr0").sort()).toEqual(before);
    await makeProvider("PhysicalPortAttachment", testContext()).delete!(id, outs);
    expect(linkIn(lab.host, "eno1")?.master).toBeUndefined();
    expect(addressesOf(lab.host, "eno1").sort()).toEqual(before); // given back
    expect(pingHost(lab)).toBe(true);
    record({ section: "faults", subject: `provider SIGKILLed mid-create (PhysicalPortAttachment, ${_point})`, resumed: true, givenBack: before.length });
  });

  test("another stack's create after such a kill is still refused (the group marks only its owner)", async () => {
    const ns = spaces.create("qlkill");
    const news = { name: "brk", host: { netns: ns }, __owner: OWNER };
    expect(await killedCreate("Bridge", news, "link add name", "after")).toBe("SIGKILL");
    await expect(checkAndCreate(makeProvider("Bridge", testContext()), { ...news, __owner: "lab/other/br#ffffffffffff" })).rejects.toThrow(/already exists .*set `adopt: true`/);
    expect(linkIn(ns, "brk")?.ifalias).toBeUndefined(); // untouched
  });

  test("QemuVm, after QEMU has started: the next create stops that QEMU and starts one afresh; one QEMU", async () => {
    const ns = spaces.create("qlkill");
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-kill-"));
    try {
      const news = { name: "vmk", accel: "tcg", memoryMiB: 64, stopTimeoutSeconds: 1, nics: [{ type: "user" }], host: { netns: ns, stateDir }, __owner: "lab/dev/vm#0123456789ab" };
      expect(await killedCreate("QemuVm", news, "qemu-system-x86_64 .*-daemonize", "after")).toBe("SIGKILL");
      const orphans = qemuProcessesMentioning(stateDir);
      expect(orphans).toHaveLength(1);
      const { id, outs } = await checkAndCreate(makeProvider("QemuVm", testContext()), news);
      expect(outs.status).toBe("running");
      expect(qemuProcessesMentioning(stateDir)).toEqual([outs.pid]);
      expect(isQemu(orphans[0]!)).toBe(false);
      await makeProvider("QemuVm", testContext()).delete!(id, outs);
      expect(qemuProcessesMentioning(stateDir)).toEqual([]);
      record({ section: "faults", subject: "provider SIGKILLed mid-create (QemuVm, after QEMU started)", resumed: true, qemuAfter: 1 });
    } finally {
      for (const pid of qemuProcessesMentioning(stateDir)) process.kill(pid, "SIGKILL");
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
