/**
 * VxlanTunnel on the real kernel, through the provider: three "hypervisors" (namespaces A, B, C) on one underlay (a
 * bridge in a namespace "wire" with a veth leg to each), each with a bridge br0 and a guest namespace on it. The
 * tunnels join the three br0 into one L2 segment: the guests ping each other across it.
 */
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { linkIn, namespacesPerTest, sh, type TestNamespaces } from "../../support/netns";
import { makeProvider } from "../../../provider/kinds";

const UNDERLAY_MTU = 1480; // not 1500: the default MTU must follow the underlay, not be a constant
const TUNNEL_MTU = UNDERLAY_MTU - 50;
const VNI = 4242;

interface Hv {
  ns: string;
  guest: string;
  underlay: string; // this host's underlay address
  guestIp: string;
}

/** The lab: wire + A, B, C (+ a guest each). Every namespace is tracked, so cleanup removes it even when this throws. */
function buildLab(spaces: TestNamespaces): Hv[] {
  const wire = spaces.create("qlxw");
  const ip = (ns: string, ...args: string[]) => sh(["ip", "-n", ns, ...args]);
  ip(wire, "link", "add", "ul", "type", "bridge");
  ip(wire, "link", "set", "ul", "up");
  return [1, 2, 3].map((n) => {
    const ns = spaces.create(`qlx${"abc"[n - 1]}`);
    const guest = spaces.create(`qlxg`);
    // Underlay leg: ul0 in the host, its peer on the wire bridge.
    ip(ns, "link", "add", "ul0", "mtu", String(UNDERLAY_MTU), "type", "veth", "peer", "name", `w${n}`, "netns", wire);
    ip(wire, "link", "set", `w${n}`, "mtu", String(UNDERLAY_MTU), "master", "ul", "up");
    ip(ns, "addr", "add", `10.77.0.${n}/24`, "dev", "ul0");
    ip(ns, "link", "set", "ul0", "up");
    // br0 with a guest on it: g0 in the host, eth0 in the guest.
    ip(ns, "link", "add", "br0", "type", "bridge");
    ip(ns, "link", "set", "br0", "up");
    ip(ns, "link", "add", "g0", "type", "veth", "peer", "name", "eth0", "netns", guest);
    ip(ns, "link", "set", "g0", "master", "br0", "up");
    ip(guest, "addr", "add", `192.168.77.${n}/24`, "dev", "eth0");
    ip(guest, "link", "set", "eth0", "up");
    return { ns, guest, underlay: `10.77.0.${n}`, guestIp: `192.168.77.${n}` };
  });
}

/** One ping between guests. The guest's ARP cache is flushed first: each ping resolves across the tunnel (flooded). */
const pings = (from: Hv, to: Hv): boolean => {
  sh(["ip", "-n", from.guest, "neigh", "flush", "all"]);
  return sh(["ip", "netns", "exec", from.guest, "busybox", "ping", "-c1", "-W2", to.guestIp], { allowFail: true }).includes("bytes from");
};

/** Flood destinations of vx0 as the kernel has them (read here, not by the code under test). */
const floodOf = (ns: string): string[] =>
  (JSON.parse(sh(["bridge", "-n", ns, "-j", "fdb", "show", "dev", "vx0"])) as { mac: string; dst?: string }[])
    .filter((e) => e.mac === "00:00:00:00:00:00" && e.dst)
    .map((e) => e.dst!)
    .sort();

const args = (hv: Hv, remotes: Hv[]) => ({ name: "vx0", vni: VNI, localAddress: hv.underlay, remotes: remotes.map((r) => r.underlay), bridge: "br0", host: { netns: hv.ns } });
/** A refresh runs in a new provider process: a new context (a live one shares its link snapshot for up to 1 s). */
const freshRead = async (id: string, outs: Record<string, unknown>) =>
  (await makeProvider("VxlanTunnel", testContext()).read!(id, outs)).props as Record<string, any>;

describe("VxlanTunnel on the real host (in test namespaces)", () => {
  const spaces = namespacesPerTest();

  test("three hosts on one segment: ping across, live remotes, drift and repair, MTU, delete", async () => {
    const [a, b, c] = buildLab(spaces);
    const hv = [a!, b!, c!];
    const p = makeProvider("VxlanTunnel", testContext());
    expect(pings(a!, b!)).toBe(false); // nothing joins the bridges yet

    const made = await Promise.all(hv.map((h) => checkAndCreate(p, args(h, hv.filter((o) => o !== h)))));
    const [ta, tb, tc] = made;
    for (const [i, h] of hv.entries()) {
      const link = linkIn(h.ns, "vx0");
      expect(link?.linkinfo?.info_kind).toBe("vxlan");
      expect(link?.linkinfo?.info_data).toMatchObject({ id: VNI, local: h.underlay, port: 4789, learning: false });
      expect(link).toMatchObject({ master: "br0", mtu: TUNNEL_MTU });
      expect(link?.flags).toContain("UP");
      expect(floodOf(h.ns)).toEqual(hv.filter((o) => o !== h).map((o) => o.underlay));
      // The bridge was at 1500 (its port g0's MTU): lowered to the tunnel's, and said so.
      expect(linkIn(h.ns, "br0")?.mtu).toBe(TUNNEL_MTU);
      expect(made[i]!.outs).toMatchObject({ name: "vx0", mtu: TUNNEL_MTU, underlay: "ul0", bridge: "br0", up: true, created: true, ifindex: link!.ifindex });
      expect(made[i]!.outs.warnings).toEqual([
        `lowered bridge "br0"'s MTU from 1500 to ${TUNNEL_MTU} to match the tunnel (VXLAN adds 50 bytes to each frame)`,
        expect.stringMatching(new RegExp(`ports of "br0" with an MTU above the tunnel's ${TUNNEL_MTU}: g0 \\(1500\\)`)),
      ]);
    }
    expect(await freshRead(ta!.id, ta!.outs)).toEqual(ta!.outs); // a refresh right after create: no drift
    expect(pings(a!, b!)).toBe(true);
    expect(pings(a!, c!)).toBe(true);
    expect(pings(c!, b!)).toBe(true);

    // remotes change live: C dropped from A's remotes; the device stays, C is unreachable from A, B still is.
    const ifindex = linkIn(a!.ns, "vx0")!.ifindex;
    const live = await checkAndUpdate(p, ta!.id, ta!.outs, args(a!, [b!]));
    expect(live.diff).toMatchObject({ changes: true, replaces: [] });
    expect(live.outs).toMatchObject({ remotes: [b!.underlay], ifindex });
    expect(linkIn(a!.ns, "vx0")!.ifindex).toBe(ifindex);
    expect(floodOf(a!.ns)).toEqual([b!.underlay]);
    expect(pings(a!, c!)).toBe(false);
    expect(pings(a!, b!)).toBe(true);
    let outsA = live.outs!;

    // Drift: a flood entry deleted by hand, another added by hand; the update puts back exactly the remotes.
    sh(["bridge", "-n", a!.ns, "fdb", "del", "00:00:00:00:00:00", "dev", "vx0", "dst", b!.underlay]);
    sh(["bridge", "-n", a!.ns, "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", "10.77.0.99"]);
    expect(pings(a!, b!)).toBe(false);
    let drifted = await freshRead(ta!.id, outsA);
    expect(drifted.remotes).toEqual(["10.77.0.99"]);
    const repaired = await checkAndUpdate(p, ta!.id, drifted, args(a!, [b!]));
    expect(repaired.diff).toMatchObject({ changes: true, replaces: [] });
    expect(floodOf(a!.ns)).toEqual([b!.underlay]);
    expect(linkIn(a!.ns, "vx0")!.ifindex).toBe(ifindex);
    expect(pings(a!, b!)).toBe(true);
    outsA = repaired.outs!;

    // Drift: off the bridge and down; the update re-enslaves it and brings it up.
    sh(["ip", "-n", a!.ns, "link", "set", "vx0", "nomaster"]);
    sh(["ip", "-n", a!.ns, "link", "set", "vx0", "down"]);
    drifted = await freshRead(ta!.id, outsA);
    expect(drifted).toMatchObject({ bridge: "", up: false });
    const back = await checkAndUpdate(p, ta!.id, drifted, args(a!, [b!]));
    expect(back.diff).toMatchObject({ changes: true, replaces: [] });
    expect(back.outs).toMatchObject({ bridge: "br0", up: true, ifindex });
    expect(linkIn(a!.ns, "vx0")).toMatchObject({ master: "br0", ifindex });
    expect(pings(a!, b!)).toBe(true);

    // Delete: the device and its entries go; deleting again (gone) succeeds.
    for (const t of [ta!, tb!, tc!]) await p.delete!(t.id, t.outs);
    for (const h of hv) expect(linkIn(h.ns, "vx0")).toBeUndefined();
    await p.delete!(ta!.id, back.outs!);
    expect(pings(a!, b!)).toBe(false);
    expect((await makeProvider("VxlanTunnel", testContext()).read!(ta!.id, back.outs!)).id).toBeUndefined(); // refresh: gone
  });

  test("ensure: refuses a foreign or different device, adopts only when asked, and fails clearly without an underlay or bridge", async () => {
    const ns = spaces.create("qlxe");
    const ip = (...a: string[]) => sh(["ip", "-n", ns, ...a]);
    ip("link", "add", "ul0", "type", "veth", "peer", "name", "ul1");
    ip("addr", "add", "10.78.0.1/24", "dev", "ul0");
    ip("link", "set", "ul0", "up");
    ip("link", "add", "br0", "type", "bridge");
    const p = makeProvider("VxlanTunnel", testContext());
    const base = { vni: 7, localAddress: "10.78.0.1", remotes: ["10.78.0.2"], bridge: "br0", host: { netns: ns } };

    await expect(checkAndCreate(p, { ...base, name: "vxn", localAddress: "10.78.0.9" })).rejects.toThrow(
      /VxlanTunnel "vxn": create failed: no link in network namespace "qlxe\w+" holds localAddress 10.78.0.9: .*add the address/,
    );
    await expect(checkAndCreate(p, { ...base, name: "vxn", bridge: "nobr" })).rejects.toThrow(/bridge "nobr" does not exist .*create it first/);
    await expect(checkAndCreate(p, { ...base, name: "vxn", bridge: "ul1" })).rejects.toThrow(/"ul1" .* is a veth link, not a bridge/);
    expect(linkIn(ns, "vxn")).toBeUndefined(); // nothing half-made

    ip("link", "add", "old", "type", "vxlan", "id", "7", "local", "10.78.0.1", "dstport", "4789", "nolearning");
    ip("link", "add", "lrn", "type", "vxlan", "id", "8", "local", "10.78.0.1", "dstport", "4789", "learning");
    await expect(checkAndCreate(p, { ...base, name: "old" })).rejects.toThrow(/a vxlan device named "old" already exists .*adopt: true/);
    await expect(checkAndCreate(p, { ...base, name: "old", vni: 9, adopt: true })).rejects.toThrow(/with VNI 7 \(asked 9\); it cannot be adopted/);
    await expect(checkAndCreate(p, { ...base, name: "lrn", vni: 8, adopt: true })).rejects.toThrow(/learning on \(asked off\); it cannot be adopted/);
    await expect(checkAndCreate(p, { ...base, name: "ul1", adopt: true })).rejects.toThrow(/a veth link named "ul1" .* not a vxlan device/);
    // Another name, same VNI and port: the kernel refuses it; the message names the device that has them.
    await expect(checkAndCreate(p, { ...base, name: "vx2" })).rejects.toThrow(/another vxlan device \("old"\) .* already has VNI 7 on port 4789/);

    const adopted = await checkAndCreate(p, { ...base, name: "old", adopt: true });
    expect(adopted.outs).toMatchObject({ created: false, bridge: "br0", up: true, remotes: ["10.78.0.2"], mtu: 1500 }); // an adopted device keeps its MTU
    expect(linkIn(ns, "old")).toMatchObject({ master: "br0" });
    await p.delete!(adopted.id, adopted.outs);
    expect(linkIn(ns, "old")).toBeDefined(); // adopted: left in place

    // Made by this resource (its owner label), then "killed": the same owner resumes it, another is refused.
    ip("link", "delete", "old");
    const owner = "lab/dev/vx";
    const first = await checkAndCreate(makeProvider("VxlanTunnel", testContext()), { ...base, name: "own", __owner: owner });
    expect(linkIn(ns, "own")?.ifalias).toBe(`pulumi-qemu-lab:${owner}`);
    expect(first.outs.mtu).toBe(1450);
    ip("link", "set", "own", "nomaster");
    await expect(checkAndCreate(makeProvider("VxlanTunnel", testContext()), { ...base, name: "own", __owner: "lab/dev/other" })).rejects.toThrow(/already exists.*adopt: true/);
    const resumed = await checkAndCreate(makeProvider("VxlanTunnel", testContext()), { ...base, name: "own", __owner: owner });
    expect(resumed.outs).toMatchObject({ created: true, bridge: "br0", ifindex: first.outs.ifindex });
    await p.delete!(resumed.id, resumed.outs);
    expect(linkIn(ns, "own")).toBeUndefined();
  });
});
