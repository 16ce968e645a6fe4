import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { linkIn, sh, TestNamespaces } from "../../support/netns";
import { addBridge, addressesOf, GATEWAY_IP, GATEWAY_IP6, HOST_IP, HOST_IP6, makeLanLab, pingHost, PingMonitor, routesIn } from "./lan-lab";
import { record } from "../../support/reliability";
import { makeProvider } from "../../../provider/kinds";

const v4Default = (ns: string) => routesIn(ns, "4").find((r) => r.dst === "default");
const v6Default = (ns: string) => routesIn(ns, "6").find((r) => r.dst === "default");
const staticRoute = (ns: string) => routesIn(ns, "4").find((r) => r.dst === "10.79.0.0/24");

describe("PhysicalPortAttachment on the real host (LAN and host namespaces joined by a veth)", () => {
  const spaces = new TestNamespaces();
  let monitor: PingMonitor | undefined;
  afterEach(() => {
    monitor?.kill();
    monitor = undefined;
    spaces.cleanup();
  });

  test("moveAddresses keeps the host reachable while its NIC joins the bridge, moves to another bridge, and gives everything back on delete", async () => {
    const lab = makeLanLab(spaces);
    addBridge(lab.host, "virbr0");
    addBridge(lab.host, "virbr1");
    const p = makeProvider("PhysicalPortAttachment", testContext());
    expect(pingHost(lab)).toBe(true);
    await p.read!("warm-up", { port: "nope", host: { netns: lab.host } }); // loads execa, so the timing below is the attach's

    monitor = new PingMonitor(lab);
    await monitor.start();
    const t0 = Date.now();
    const { id, outs, inputs } = await checkAndCreate(p, { bridge: "virbr0", port: "eno1", moveAddresses: true, host: { netns: lab.host } });
    const attachMs = Date.now() - t0;
    const attachGap = await monitor.stop();
    console.log(`attach with moveAddresses: ${attachMs} ms, longest gap in pings ${attachGap.longestGapMs} ms (${attachGap.received} replies)`);
    expect(attachGap.repliesAfter).toBeGreaterThan(0); // the LAN reaches the host after the attach; the gap is a figure
    record({ section: "faults", subject: "moveAddresses attach: host reachability from the LAN", longestPingGapMs: attachGap.longestGapMs, attachMs });

    expect(linkIn(lab.host, "eno1")!.master).toBe("virbr0");
    expect(addressesOf(lab.host, "eno1")).toEqual([]);
    expect(addressesOf(lab.host, "virbr0").sort()).toEqual([`${HOST_IP}/24`, `${HOST_IP6}/64`].sort());
    expect(v4Default(lab.host)).toMatchObject({ gateway: GATEWAY_IP, dev: "virbr0" });
    expect(v6Default(lab.host)).toMatchObject({ gateway: GATEWAY_IP6, dev: "virbr0", metric: 1024 });
    expect(staticRoute(lab.host)).toMatchObject({ gateway: GATEWAY_IP, dev: "virbr0", metric: 50, protocol: "static" });
    expect(pingHost(lab)).toBe(true);
    expect(outs).toMatchObject({ bridge: "virbr0", portUp: true, movedTo: "virbr0", preexisting: false });
    expect(outs.portMacAddress).toBe(linkIn(lab.host, "eno1")!.address);
    expect([...outs.movedAddresses].sort()).toEqual([`${HOST_IP}/24`, `${HOST_IP6}/64`].sort());
    expect(outs.movedRoutes).toEqual(
      expect.arrayContaining([
        { family: "inet", dst: "default", gateway: GATEWAY_IP },
        { family: "inet", dst: "10.79.0.0/24", gateway: GATEWAY_IP, metric: 50, protocol: "static" },
        { family: "inet6", dst: "default", gateway: GATEWAY_IP6, metric: 1024 },
      ]),
    );
    expect(outs.movedRoutes).toHaveLength(3);
    expect((await p.read!(id, outs)).props).toMatchObject({ bridge: "virbr0", portUp: true });

    // Another bridge: an update that takes the addresses and routes along.
    const moved = await checkAndUpdate(p, id, outs, { ...inputs, bridge: "virbr1" });
    expect(moved.diff.replaces ?? []).toEqual([]);
    expect(linkIn(lab.host, "eno1")!.master).toBe("virbr1");
    expect(addressesOf(lab.host, "virbr0")).toEqual([]);
    expect(addressesOf(lab.host, "virbr1").sort()).toEqual([`${HOST_IP}/24`, `${HOST_IP6}/64`].sort());
    expect(v4Default(lab.host)).toMatchObject({ dev: "virbr1" });
    expect(staticRoute(lab.host)).toMatchObject({ dev: "virbr1", metric: 50, protocol: "static" });
    expect(pingHost(lab)).toBe(true);
    expect(moved.outs).toMatchObject({ bridge: "virbr1", movedTo: "virbr1" });

    monitor = new PingMonitor(lab);
    await monitor.start();
    const t1 = Date.now();
    await p.delete!(id, moved.outs!);
    const deleteMs = Date.now() - t1;
    const releaseGap = await monitor.stop();
    console.log(`delete (give back): ${deleteMs} ms, longest gap in pings ${releaseGap.longestGapMs} ms (${releaseGap.received} replies)`);
    expect(releaseGap.repliesAfter).toBeGreaterThan(0);
    record({ section: "faults", subject: "moveAddresses give-back on delete: host reachability from the LAN", longestPingGapMs: releaseGap.longestGapMs, deleteMs });

    const eno1 = linkIn(lab.host, "eno1")!;
    expect(eno1.master).toBeUndefined();
    expect(eno1.flags).toContain("UP");
    expect(addressesOf(lab.host, "eno1").sort()).toEqual([`${HOST_IP}/24`, `${HOST_IP6}/64`].sort());
    expect(addressesOf(lab.host, "virbr1")).toEqual([]);
    expect(v4Default(lab.host)).toMatchObject({ gateway: GATEWAY_IP, dev: "eno1" });
    expect(v6Default(lab.host)).toMatchObject({ gateway: GATEWAY_IP6, dev: "eno1", metric: 1024 });
    expect(staticRoute(lab.host)).toMatchObject({ dev: "eno1", metric: 50, protocol: "static" });
    expect(pingHost(lab)).toBe(true);

    await p.delete!(id, moved.outs!); // already released: success, nothing changes
    expect(addressesOf(lab.host, "eno1")).toHaveLength(2);
  });

  test("the ping monitor sees an outage (so the gap assertions above can fail)", async () => {
    const lab = makeLanLab(spaces);
    monitor = new PingMonitor(lab);
    await monitor.start();
    sh(["ip", "-n", lab.host, "addr", "del", `${HOST_IP}/24`, "dev", "eno1"]);
    await new Promise((r) => setTimeout(r, 300));
    sh(["ip", "-n", lab.host, "addr", "add", `${HOST_IP}/24`, "dev", "eno1"]);
    sh(["ip", "-n", lab.host, "route", "add", "default", "via", GATEWAY_IP, "dev", "eno1"]);
    const gap = await monitor.stop();
    expect(gap.longestGapMs).toBeGreaterThanOrEqual(200);
  });

  test("plain attach (the seed's two commands), drift repaired by update, moveAddresses switched on by update, delete keeps the port up", async () => {
    const lab = makeLanLab(spaces);
    addBridge(lab.host, "virbr0");
    sh(["ip", "-n", lab.host, "link", "set", "eno1", "down"]); // (the kernel drops its IPv6 addresses and its routes)
    const p = makeProvider("PhysicalPortAttachment", testContext());
    const { id, outs, inputs } = await checkAndCreate(p, { bridge: "virbr0", port: "eno1", host: { netns: lab.host } });
    let eno1 = linkIn(lab.host, "eno1")!;
    expect(eno1.master).toBe("virbr0");
    expect(eno1.flags).toContain("UP");
    expect(addressesOf(lab.host, "eno1")).toEqual([`${HOST_IP}/24`]); // not moved
    expect(outs).toMatchObject({ bridge: "virbr0", portUp: true, movedAddresses: [], movedRoutes: [], movedTo: "" });

    // Released and downed by hand: refresh shows it, diff calls for an update, update repairs.
    sh(["ip", "-n", lab.host, "link", "set", "eno1", "nomaster"]);
    sh(["ip", "-n", lab.host, "link", "set", "eno1", "down"]);
    const refreshed = makeProvider("PhysicalPortAttachment", testContext()); // a new provider process, as `pulumi refresh` starts
    const drifted = (await refreshed.read!(id, outs)).props as Record<string, unknown>;
    expect(drifted).toMatchObject({ bridge: "", portUp: false });
    const repaired = await checkAndUpdate(refreshed, id, drifted, inputs);
    expect(repaired.diff.changes).toBe(true);
    expect(repaired.diff.replaces ?? []).toEqual([]);
    eno1 = linkIn(lab.host, "eno1")!;
    expect(eno1.master).toBe("virbr0");
    expect(eno1.flags).toContain("UP");

    // Switching moveAddresses on is an update that moves them now (with the default route, put back first).
    sh(["ip", "-n", lab.host, "route", "add", "default", "via", GATEWAY_IP, "dev", "eno1"]);
    const movedNow = await checkAndUpdate(p, id, repaired.outs!, { ...inputs, moveAddresses: true });
    expect(movedNow.diff.replaces ?? []).toEqual([]);
    expect(addressesOf(lab.host, "eno1")).toEqual([]);
    expect(addressesOf(lab.host, "virbr0")).toEqual([`${HOST_IP}/24`]);
    expect(v4Default(lab.host)).toMatchObject({ dev: "virbr0" });
    expect(pingHost(lab)).toBe(true);

    await p.delete!(id, movedNow.outs!);
    eno1 = linkIn(lab.host, "eno1")!;
    expect(eno1.master).toBeUndefined();
    expect(eno1.flags).toContain("UP");
    expect(addressesOf(lab.host, "eno1")).toEqual([`${HOST_IP}/24`]);
    expect(v4Default(lab.host)).toMatchObject({ dev: "eno1" });
    expect(pingHost(lab)).toBe(true);

    // Gone port: read says gone, delete succeeds.
    sh(["ip", "-n", lab.host, "link", "delete", "eno1"]);
    const afterRemoval = makeProvider("PhysicalPortAttachment", testContext());
    expect((await afterRemoval.read!(id, movedNow.outs!)).id).toBeUndefined();
    await afterRemoval.delete!(id, movedNow.outs!);
  });

  test("refuses missing bridges and ports, foreign masters and bridges as ports, with the fix; converges on a port already on the bridge", async () => {
    const lab = makeLanLab(spaces);
    addBridge(lab.host, "virbr0");
    addBridge(lab.host, "other0");
    const p = makeProvider("PhysicalPortAttachment", testContext());
    const host = { netns: lab.host };
    await expect(checkAndCreate(p, { bridge: "nobr0", port: "eno1", host })).rejects.toThrow(
      /PhysicalPortAttachment "[^"]*eno1": create failed: bridge "nobr0" does not exist in network namespace "qph[0-9a-f]+"; fix: create it with a Bridge resource/,
    );
    await expect(checkAndCreate(p, { bridge: "virbr0", port: "eno9", host })).rejects.toThrow(/port "eno9" does not exist .*fix: set `port` to an existing interface/);
    await expect(checkAndCreate(p, { bridge: "virbr0", port: "other0", host })).rejects.toThrow(/port "other0" .* is itself a bridge/);
    sh(["ip", "-n", lab.host, "link", "set", "eno1", "master", "other0"]);
    await expect(checkAndCreate(makeProvider("PhysicalPortAttachment", testContext()), { bridge: "virbr0", port: "eno1", moveAddresses: true, host })).rejects.toThrow(
      /port "eno1" .* is already enslaved to "other0"; fix: release it first \(`ip link set eno1 nomaster`\) or set `bridge: "other0"`/,
    );
    // Nothing was touched by the refusals.
    expect(linkIn(lab.host, "eno1")!.master).toBe("other0");
    expect(addressesOf(lab.host, "eno1")).toHaveLength(2);
    expect(addressesOf(lab.host, "virbr0")).toEqual([]);

    // Already on the requested bridge: converge, and delete leaves what we did not do.
    const p2 = makeProvider("PhysicalPortAttachment", testContext());
    const { id, outs } = await checkAndCreate(p2, { bridge: "other0", port: "eno1", host });
    expect(outs).toMatchObject({ bridge: "other0", preexisting: true });
    await p2.delete!(id, outs);
    expect(linkIn(lab.host, "eno1")!.master).toBe("other0");
  });
});
