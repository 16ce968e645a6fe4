/**
 * examples/quickstart end to end under both engines (the lifecycle driver and the real Pulumi CLI): preview → up →
 * refresh (no drift) → drift made by hand → refresh (shown) → up (repaired) → an update in place → a replace (each
 * previewed first: the plan must be what up does) → destroy, re-reading the host each time.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { OperationResult } from "../../../driver";
import { ensureTestGuest } from "../../support/guest";
import { linkIn, linksIn, netnsList, sh, uniqueName } from "../../support/netns";
import { DRIVER_KINDS } from "../../support/pulumi-cli";
import { steps } from "../../support/steps";
import { record } from "../../support/reliability";
import { banner, bannerFrom, bridgeConfLines, driftShown, EXAMPLES, ipv4Of, LabStack, ops, plan, stepOf, tcpOpen } from "../lifecycle/lab-stack";

jest.setTimeout(240_000);

describe.each(DRIVER_KINDS)("examples/quickstart under %s: preview, up, drift, refresh, repair, update, replace, destroy", (kind) => {
  const step = steps(); // each step builds on the last: a failure stops the chain, naming the step
  const ns = uniqueName("qlq");
  let stack: LabStack;
  let pids: Record<string, number> = {};
  let firstPreview: OperationResult;

  beforeAll(async () => {
    const guest = await ensureTestGuest();
    stack = new LabStack(path.join(EXAMPLES, "quickstart"), {
      kernel: guest.kernel,
      initrd: guest.initrd,
      accel: "tcg",
      memoryMiB: 192,
      namespace: ns,
    }, {}, kind);
  });

  afterAll(async () => {
    const forced = await stack.cleanup([ns]);
    expect(forced).toEqual([]);
    expect(netnsList()).not.toContain(ns);
  });

  step("preview plans every resource as a create and touches nothing", async () => {
    const preview = (firstPreview = await stack.run(stack.driver().preview()));
    expect(ops(preview)).toEqual({ lab: "create", br0: "create", "br0-allow": "create", "br0-dhcp": "create", bridged: "create", user: "create", ssh: "create" });
    expect(netnsList()).not.toContain(ns);
    expect(stack.state().resources).toEqual([]);
    expect(stack.vmDirs()).toEqual([]);
  });

  step("up does what the preview planned and builds the lab on the host", async () => {
    const up = await stack.run(stack.driver().up(), "quickstart up");
    expect(plan(up)).toEqual(plan(firstPreview));
    expect(netnsList()).toContain(ns);
    const br = linkIn(ns, "qbr0");
    expect(br?.linkinfo?.info_kind).toBe("bridge");
    expect(br?.flags).toContain("UP");
    expect(ipv4Of(ns, "qbr0")).toEqual(["192.168.77.1/24"]);
    // The bridged VM's tap (made by qemu-bridge-helper) is a port of the bridge.
    expect(linksIn(ns).filter((l) => l.master === "qbr0")).toHaveLength(1);
    expect(bridgeConfLines(ns)).toEqual(["allow qbr0"]);
    pids = stack.qemuPids();
    expect(Object.keys(pids)).toHaveLength(2);
    expect(up.outputs.bridgedVmStatus).toBe("running");
    const userName = stack.outputs("user").name as string;
    const bridgedName = stack.outputs("bridged").name as string;
    expect(Object.keys(pids).sort()).toEqual([bridgedName, userName].sort());
    expect(await bannerFrom(ns, "127.0.0.1", 2222, 90_000)).toBe(banner(22, "user"));
    expect(await bannerFrom(ns, "192.168.77.10", 22, 90_000)).toBe(banner(22, "bridged"));
  });

  step("refresh right after up finds no drift", async () => {
    const refresh = await stack.run(stack.driver().refresh());
    expect(Object.values(ops(refresh)).every((op) => op === "same")).toBe(true);
    expect(Object.keys(ops(refresh))).toHaveLength(7);
  });

  step("the bridge address removed by hand: refresh shows the drift with the engine's diff, up puts it back", async () => {
    sh(["ip", "-n", ns, "addr", "del", "192.168.77.1/24", "dev", "qbr0"]);
    const from = stack.output.length;
    const refresh = await stack.run(stack.driver().refresh());
    expect(ops(refresh)).toEqual({ lab: "same", br0: "refresh", "br0-allow": "same", "br0-dhcp": "same", bridged: "same", user: "same", ssh: "same" });
    expect(stepOf(refresh, "br0")?.diffs).toEqual(["addresses"]);
    expect(driftShown(kind, stack.output.slice(from), "addresses")).toBe(true);
    expect(ipv4Of(ns, "qbr0")).toEqual([]); // refresh only reads

    const up = await stack.run(stack.driver().up());
    expect(ops(up)).toEqual({ lab: "same", br0: "update", "br0-allow": "same", "br0-dhcp": "same", bridged: "same", user: "same", ssh: "same" });
    expect(ipv4Of(ns, "qbr0")).toEqual(["192.168.77.1/24"]);
    expect(stack.qemuPids()).toEqual(pids);
    expect(await bannerFrom(ns, "192.168.77.10", 22, 30_000)).toBe(banner(22, "bridged"));
    record({ section: "faults", subject: `a bridge address removed by hand (quickstart under ${kind})`, refreshDiff: "addresses", up: "update", qemuRestarted: 0 });
  });

  step("a new bridge address and ssh port preview as updates in place, and up applies just that", async () => {
    const change = { bridgeAddress: "192.168.77.2/24", sshPort: 2223 };
    const preview = await stack.run(stack.driver(change).preview());
    expect(ops(preview)).toEqual({ lab: "same", br0: "update", "br0-allow": "same", "br0-dhcp": "same", bridged: "same", user: "same", ssh: "update" });
    expect(stepOf(preview, "br0")?.diffs).toEqual(["addresses"]);
    expect(stepOf(preview, "ssh")?.diffs).toEqual(["hostPort"]);
    expect(ipv4Of(ns, "qbr0")).toEqual(["192.168.77.1/24"]); // a preview changes nothing

    const up = await stack.run(stack.driver(change).up());
    stack.config = { ...stack.config, ...change };
    expect(plan(up)).toEqual(plan(preview));
    expect(ipv4Of(ns, "qbr0")).toEqual(["192.168.77.2/24"]);
    expect(stack.qemuPids()).toEqual(pids); // in place: no VM restarted
    expect(await bannerFrom(ns, "127.0.0.1", 2223, 30_000)).toBe(banner(22, "user"));
    expect(tcpOpen(ns, "127.0.0.1", 2222)).toBe(false);
    expect(await bannerFrom(ns, "192.168.77.10", 22, 30_000)).toBe(banner(22, "bridged"));
  });

  step("a new MAC and address for the bridged VM: the static lease changes live (same dnsmasq), the VM is replaced and gets its new address by DHCP", async () => {
    const change = { guestAddress: "192.168.77.11", guestMac: "52:54:00:77:00:11" };
    const dnsmasqPid = stack.outputs("br0-dhcp").pid as number;
    const preview = await stack.run(stack.driver(change).preview());
    expect(ops(preview)).toEqual({ lab: "same", br0: "same", "br0-allow": "same", "br0-dhcp": "update", bridged: "replace", user: "same", ssh: "same" });
    expect(stepOf(preview, "bridged")).toMatchObject({ replaceKeys: ["nics"], deleteBeforeReplace: true });
    expect(stepOf(preview, "br0-dhcp")?.diffs).toEqual(["staticLeases"]);

    const up = await stack.run(stack.driver(change).up());
    stack.config = { ...stack.config, ...change };
    expect(plan(up)).toEqual(plan(preview));
    expect(stack.outputs("br0-dhcp").pid).toBe(dnsmasqPid); // applied with SIGHUP, not a restart
    const now = stack.qemuPids();
    const bridgedName = stack.outputs("bridged").name as string;
    const userName = stack.outputs("user").name as string;
    expect(now[userName]).toBe(pids[userName]);
    expect(now[bridgedName]).toBeDefined();
    expect(now[bridgedName]).not.toBe(pids[bridgedName]);
    expect(linksIn(ns).filter((l) => l.master === "qbr0")).toHaveLength(1); // the old tap went with the old QEMU
    expect(up.outputs.bridgedVmAddresses).toEqual([["192.168.77.11"]]);
    expect(await bannerFrom(ns, "192.168.77.11", 22, 90_000)).toBe(banner(22, "bridged"));
  });

  step("destroy removes everything: namespace, /etc/netns entry, QEMU, VM state", async () => {
    const destroy = await stack.run(stack.driver().destroy(), "quickstart destroy");
    expect(Object.values(ops(destroy)).every((op) => op === "delete")).toBe(true);
    expect(Object.keys(ops(destroy))).toHaveLength(7);
    expect(netnsList()).not.toContain(ns);
    expect(fs.existsSync(`/etc/netns/${ns}`)).toBe(false);
    expect(stack.qemuPids()).toEqual({});
    expect(stack.vmDirs()).toEqual([]);
    expect(stack.stateNames()).toEqual([]);
  });
});
