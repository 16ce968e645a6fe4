/**
 * examples/bridged-lab end to end on a "host" prepared like a real machine: a lab namespace whose uplink `eno1`
 * (a veth) carries the host's address and default route, its peer in a second "LAN" namespace. A listener on the
 * host address proves the LAN keeps reaching the host before up, after up (address moved to the bridge) and after
 * destroy (address given back); the VM's banner from the LAN proves it sits on the LAN through the bridge.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import type { OperationResult } from "../../../driver";
import { ensureTestGuest } from "../../support/guest";
import { linkIn, linksIn, netnsList, sh, TestNamespaces } from "../../support/netns";
import { DRIVER_KINDS } from "../../support/pulumi-cli";
import { killQuietly } from "../../support/processes";
import { steps } from "../../support/steps";
import { record } from "../../support/reliability";
import { banner, bannerFrom, bridgeConfLines, driftShown, EXAMPLES, figure, ipv4Of, LabStack, ops, plan, routesIn, stepOf, tcpOpen } from "../lifecycle/lab-stack";

jest.setTimeout(240_000);

const HOST_ADDR = "192.168.50.2/24";
const GATEWAY = "192.168.50.1";
const HOST_PORT = 9999;

/** The default route's device in a namespace. */
function defaultRouteDev(netns: string): string | undefined {
  return routesIn(netns).find((r) => r.dst === "default")?.dev;
}

describe.each(DRIVER_KINDS)("examples/bridged-lab under %s: an uplink enslaved with its address, a VM on the LAN, drift repaired, and everything given back", (kind) => {
  const step = steps(); // each step builds on the last: a failure stops the chain, naming the step
  const namespaces = new TestNamespaces();
  let lab: string;
  let lan: string;
  let stack: LabStack;
  let listener: ChildProcess | undefined;
  let firstPreview: OperationResult;
  let vmPid: number;
  let destroyed = false;

  beforeAll(async () => {
    const guest = await ensureTestGuest();
    lab = namespaces.create("qlb");
    lan = namespaces.create("qln");
    // The machine: eno1 with the host address and a default route via the LAN's router; the router is lan0.
    sh(["ip", "-n", lab, "link", "add", "eno1", "type", "veth", "peer", "name", "lan0", "netns", lan]);
    sh(["ip", "-n", lab, "addr", "add", HOST_ADDR, "dev", "eno1"]);
    sh(["ip", "-n", lab, "link", "set", "eno1", "up"]);
    sh(["ip", "-n", lan, "addr", "add", `${GATEWAY}/24`, "dev", "lan0"]);
    sh(["ip", "-n", lan, "link", "set", "lan0", "up"]);
    sh(["ip", "-n", lab, "route", "add", "default", "via", GATEWAY, "dev", "eno1"]);
    // A service on the host (any address), answering one line: what the LAN must keep reaching.
    // (A client closing first resets the socket: ignore that, or the listener dies.)
    const code = `require("net").createServer(s=>{s.on("error",()=>{});s.end("host-service\\n")}).listen(${HOST_PORT},"0.0.0.0")`;
    listener = spawn("ip", ["netns", "exec", lab, process.execPath, "-e", code], { stdio: "ignore" });
    stack = new LabStack(path.join(EXAMPLES, "bridged-lab"), {
      netns: lab,
      uplink: "eno1",
      kernel: guest.kernel,
      initrd: guest.initrd,
      accel: "tcg",
      memoryMiB: 192,
      vmCount: 1,
      guestAddresses: ["192.168.50.20/24"],
    }, {}, kind);
  });

  afterAll(async () => {
    try {
      const forced = await stack.cleanup();
      expect(forced).toEqual([]);
    } finally {
      killQuietly(listener?.pid);
      namespaces.cleanup();
    }
    expect(netnsList()).not.toContain(lab);
  });

  step("before up the LAN reaches the host through eno1", async () => {
    expect(await bannerFrom(lan, "192.168.50.2", HOST_PORT, 10_000)).toBe("host-service");
    firstPreview = await stack.run(stack.driver().preview());
    expect(ops(firstPreview)).toEqual({ virbr0: "create", "virbr0-allow": "create", uplink: "create", vm0: "create" });
    expect(linkIn(lab, "virbr0")).toBeUndefined();
  });

  step("up enslaves eno1, moves its address and default route to the bridge, and the VM answers from the LAN", async () => {
    const up = await stack.run(stack.driver().up(), "bridged-lab up");
    expect(plan(up)).toEqual(plan(firstPreview));
    expect(linkIn(lab, "eno1")?.master).toBe("virbr0");
    expect(ipv4Of(lab, "eno1")).toEqual([]);
    expect(ipv4Of(lab, "virbr0")).toEqual([HOST_ADDR]);
    expect(defaultRouteDev(lab)).toBe("virbr0");
    expect(bridgeConfLines(lab)).toEqual(["allow virbr0"]);
    expect(linksIn(lab).filter((l) => l.master === "virbr0").map((l) => l.ifname)).toHaveLength(2); // eno1 + the VM's tap
    expect(up.outputs.movedAddresses).toEqual([HOST_ADDR]);
    const pids = Object.values(stack.qemuPids());
    expect(pids).toHaveLength(1);
    vmPid = pids[0]!;
    expect(await bannerFrom(lan, "192.168.50.2", HOST_PORT, 10_000)).toBe("host-service");
    expect(await bannerFrom(lan, "192.168.50.20", 22, 90_000)).toBe(banner(22, "vm0"));
  });

  // The bridge's `addresses` output is what the host has: the attachment moved the uplink's address onto it after
  // the bridge was created. Its `addresses` input is unset (unmanaged), so by the engine's rule (drift is what the
  // provider's Diff of the inputs against the host finds) this is no drift: refresh records the address in the
  // bridge's outputs, shows every resource as "same", and the next preview plans nothing.
  step("refresh right after up finds no drift, and records the moved address in the bridge's outputs", async () => {
    expect(stack.outputs("virbr0").addresses).toEqual([]);
    const refresh = await stack.run(stack.driver().refresh());
    expect(ops(refresh)).toEqual({ virbr0: "same", "virbr0-allow": "same", uplink: "same", vm0: "same" });
    expect(stack.outputs("virbr0").addresses).toEqual([HOST_ADDR]);
    const preview = await stack.run(stack.driver().preview());
    expect(Object.values(ops(preview)).every((op) => op === "same")).toBe(true);
  });

  step("the uplink released from the bridge by hand: refresh shows the drift with the engine's diff, up enslaves it again", async () => {
    sh(["ip", "-n", lab, "link", "set", "eno1", "nomaster"]);
    const from = stack.output.length;
    const refresh = await stack.run(stack.driver().refresh());
    expect(stepOf(refresh, "uplink")).toMatchObject({ op: "refresh", diffs: ["bridge"] });
    expect(driftShown(kind, stack.output.slice(from), "bridge")).toBe(true);
    expect(linkIn(lab, "eno1")?.master).toBeUndefined(); // refresh only reads
    const up = await stack.run(stack.driver().up());
    expect(ops(up)).toEqual({ virbr0: "same", "virbr0-allow": "same", uplink: "update", vm0: "same" });
    expect(linkIn(lab, "eno1")?.master).toBe("virbr0");
    expect(ipv4Of(lab, "virbr0")).toEqual([HOST_ADDR]);
    expect(Object.values(stack.qemuPids())).toEqual([vmPid]);
    expect(await bannerFrom(lan, "192.168.50.20", 22, 30_000)).toBe(banner(22, "vm0"));
    record({ section: "faults", subject: `a port taken off its bridge by hand (bridged-lab under ${kind})`, refreshDiff: "bridge", up: "update" });
  });

  step("a new guest address previews and applies as a delete-before-replace of the VM alone", async () => {
    const change = { guestAddresses: ["192.168.50.21/24"] };
    const preview = await stack.run(stack.driver(change).preview());
    expect(ops(preview)).toEqual({ virbr0: "same", "virbr0-allow": "same", uplink: "same", vm0: "replace" });
    expect(stepOf(preview, "vm0")).toMatchObject({ replaceKeys: ["kernelArgs"], deleteBeforeReplace: true });
    const up = await stack.run(stack.driver(change).up());
    stack.config = { ...stack.config, ...change };
    expect(plan(up)).toEqual(plan(preview));
    const pids = Object.values(stack.qemuPids());
    expect(pids).toHaveLength(1);
    expect(pids[0]).not.toBe(vmPid);
    vmPid = pids[0]!;
    expect(await bannerFrom(lan, "192.168.50.21", 22, 90_000)).toBe(banner(22, "vm0"));
  });

  // Last before destroy: with STP on, a new port (a replaced VM's tap) would forward only after 2 × 15 s.
  step("turning STP on previews and applies as an update of the bridge alone", async () => {
    const change = { stp: true };
    const preview = await stack.run(stack.driver(change).preview());
    expect(ops(preview)).toEqual({ virbr0: "update", "virbr0-allow": "same", uplink: "same", vm0: "same" });
    expect(stepOf(preview, "virbr0")?.diffs).toEqual(["stp"]);
    const up = await stack.run(stack.driver(change).up());
    stack.config = { ...stack.config, ...change };
    expect(plan(up)).toEqual(plan(preview));
    expect(linkIn(lab, "virbr0")?.linkinfo?.info_data?.stp_state).toBe(1);
    expect(linkIn(lab, "eno1")?.master).toBe("virbr0");
    expect(ipv4Of(lab, "virbr0")).toEqual([HOST_ADDR]);
    expect(Object.values(stack.qemuPids())).toEqual([vmPid]);
    expect(await bannerFrom(lan, "192.168.50.21", 22, 10_000)).toBe(banner(22, "vm0"));
  });

  step("destroy gives eno1 its address and default route back and leaves no bridge, ACL line or QEMU", async () => {
    // An active LAN peer: it talked to the host just now, so its neighbour entry for the host is fresh.
    expect(tcpOpen(lan, "192.168.50.2", HOST_PORT)).toBe(true);
    const destroy = await stack.run(stack.driver().destroy(), "bridged-lab destroy");
    expect(ops(destroy)).toEqual({ virbr0: "delete", "virbr0-allow": "delete", uplink: "delete", vm0: "delete" });
    expect(linkIn(lab, "virbr0")).toBeUndefined();
    expect(linkIn(lab, "eno1")?.master).toBeUndefined();
    expect(ipv4Of(lab, "eno1")).toEqual([HOST_ADDR]);
    expect(defaultRouteDev(lab)).toBe("eno1");
    expect(bridgeConfLines(lab) ?? []).not.toContain("allow virbr0");
    expect(stack.qemuPids()).toEqual({});
    expect(stack.vmDirs()).toEqual([]);
    expect(stack.stateNames()).toEqual([]);
    destroyed = true;
  });

  // While attached the host address lives behind the bridge's MAC; after destroy gives it back to eno1, a gratuitous
  // ARP from eno1 tells the LAN at once (without it the LAN kept the bridge's MAC until its entry expired: ~45 s).
  step("after destroy the LAN reaches the host again and its neighbour entry names eno1 (gratuitous ARP), without flushing its cache", async () => {
    expect(destroyed).toBe(true);
    const started = Date.now();
    while (!tcpOpen(lan, "192.168.50.2", HOST_PORT) && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 200));
    figure("bridged-lab: LAN reaches the host after destroy", Date.now() - started); // a figure, not an assertion
    expect(tcpOpen(lan, "192.168.50.2", HOST_PORT)).toBe(true);
    const neighbour = JSON.parse(sh(["ip", "-n", lan, "-j", "neigh", "show", "192.168.50.2"]).trim() || "[]") as Array<{ lladdr?: string }>;
    expect(neighbour[0]?.lladdr).toBe(linkIn(lab, "eno1")?.address);
  });

  step("once the LAN re-resolves the host address, it reaches the host on eno1 again", async () => {
    expect(destroyed).toBe(true);
    sh(["ip", "-n", lan, "neigh", "flush", "dev", "lan0"]);
    expect(await bannerFrom(lan, "192.168.50.2", HOST_PORT, 5_000)).toBe("host-service");
    const neighbour = JSON.parse(sh(["ip", "-n", lan, "-j", "neigh", "show", "192.168.50.2"]).trim() || "[]") as Array<{ lladdr?: string }>;
    expect(neighbour[0]?.lladdr).toBe(linkIn(lab, "eno1")?.address);
  });
});
