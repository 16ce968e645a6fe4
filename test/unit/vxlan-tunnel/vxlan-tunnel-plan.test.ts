/** The MTU rule, the warnings, the plan from what the host has to the inputs, and what tells a device apart. */
import { linkSchema, parseIpJson } from "../../../provider/host/ip/ip-json";
import { parseFdbJson } from "../../../provider/host/ip/vxlan-fdb";
import { isLoweredNote, loweredNote, mtuWarnings, tunnelMtu, type MtuFacts } from "../../../provider/host/ip/vxlan-mtu";
import { compareRemotes, identityMismatch, observeTunnel } from "../../../provider/resources/vxlan-tunnel/observe";
import { describePlan, isEmptyPlan, planTunnel, type CurrentTunnel, type DesiredTunnel } from "../../../provider/resources/vxlan-tunnel/plan";

test.each<[number | undefined, number, { mtu: number } | RegExp]>([
  [undefined, 1500, { mtu: 1450 }],
  [undefined, 9000, { mtu: 8950 }],
  [undefined, 118, { mtu: 68 }],
  [1400, 1500, { mtu: 1400 }], // asked: kept (a warning says when it is too big)
  [9000, 1500, { mtu: 9000 }],
  [undefined, 117, /leaves 67 for the tunnel \(VXLAN adds 50\), below Linux's minimum 68/],
])("tunnel MTU asked %s over an underlay of %i", (asked, underlay, expected) => {
  const r = tunnelMtu(asked, underlay);
  if (expected instanceof RegExp) expect((r as { error: string }).error).toMatch(expected);
  else expect(r).toEqual(expected);
});

const FACTS: MtuFacts = { name: "vx0", bridge: "br0", tunnelMtu: 1450, bridgeMtu: 1450, underlay: { name: "ul0", mtu: 1500 }, localAddress: "10.50.0.1", ports: [] };

test.each<[string, Partial<MtuFacts>, RegExp[]]>([
  ["all well", {}, []],
  ["the bridge's MTU raised again", { bridgeMtu: 1500 }, [/bridge "br0"'s MTU 1500 exceeds the tunnel's 1450: frames over 1450 are dropped; the next update lowers it/]],
  ["a guest port too big", { ports: [{ name: "vx0", mtu: 1450 }, { name: "vg0", mtu: 1500 }, { name: "vg1", mtu: 1400 }] }, [/ports of "br0" with an MTU above the tunnel's 1450: vg0 \(1500\); .*MTU 1450/]],
  ["tunnel MTU too big for the underlay", { tunnelMtu: 1480 }, [/MTU 1480 plus VXLAN's 50 exceeds the underlay "ul0"'s MTU 1500: .*at most 1450/]],
  ["the underlay's address is gone", { underlay: undefined }, [/no link holds the local address 10.50.0.1 any more/]],
  ["not on a bridge", { bridge: "", bridgeMtu: undefined }, []],
])("warnings: %s", (_label, facts, expected) => {
  const w = mtuWarnings({ ...FACTS, ...facts });
  expect(w).toHaveLength(expected.length);
  expected.forEach((e, i) => expect(w[i]).toMatch(e));
});

test("the lowered note is recognised (refresh keeps it), other warnings are not", () => {
  const note = loweredNote("br0", 1500, 1450);
  expect(note).toBe(`lowered bridge "br0"'s MTU from 1500 to 1450 to match the tunnel (VXLAN adds 50 bytes to each frame)`);
  expect(isLoweredNote(note)).toBe(true);
  expect(mtuWarnings({ ...FACTS, bridgeMtu: 1500 }).some(isLoweredNote)).toBe(false);
});

const WANT: DesiredTunnel = { name: "vx0", bridge: "br0", mtu: 1450, up: true, remotes: ["10.50.0.2", "10.50.0.3"] };
const DONE: CurrentTunnel = { mtu: 1450, up: true, bridge: "br0", flood: [{ dst: "10.50.0.2" }, { dst: "10.50.0.3" }] };

test.each<[string, CurrentTunnel, Partial<DesiredTunnel>, number, { ip: string[][]; removeFlood: object[]; addFlood: object[]; lowerBridgeFrom?: number }]>([
  ["nothing to do", DONE, {}, 1450, { ip: [], removeFlood: [], addFlood: [] }],
  ["the bridge lower than the tunnel: left alone", DONE, {}, 1400, { ip: [], removeFlood: [], addFlood: [] }],
  [
    "a new device",
    { mtu: 1450, up: false, bridge: "", flood: [] },
    {},
    1500,
    {
      ip: [["link", "set", "dev", "br0", "mtu", "1450"], ["link", "set", "dev", "vx0", "master", "br0"], ["link", "set", "dev", "vx0", "up"]],
      removeFlood: [],
      addFlood: [{ dst: "10.50.0.2" }, { dst: "10.50.0.3" }],
      lowerBridgeFrom: 1500,
    },
  ],
  ["a remote dropped", DONE, { remotes: ["10.50.0.2"] }, 1450, { ip: [], removeFlood: [{ dst: "10.50.0.3" }], addFlood: [] }],
  ["a remote added", DONE, { remotes: ["10.50.0.2", "10.50.0.3", "10.50.0.4"] }, 1450, { ip: [], removeFlood: [], addFlood: [{ dst: "10.50.0.4" }] }],
  [
    "someone else's entries: with its own port (even to a remote we want), unknown destination",
    { ...DONE, flood: [{ dst: "10.50.0.2" }, { dst: "10.50.0.3", port: 5000 }, { dst: "10.50.0.9", via: "eth1" }] },
    {},
    1450,
    { ip: [], removeFlood: [{ dst: "10.50.0.3", port: 5000 }, { dst: "10.50.0.9", via: "eth1" }], addFlood: [{ dst: "10.50.0.3" }] },
  ],
  ["taken off the bridge", { ...DONE, bridge: "" }, {}, 1450, { ip: [["link", "set", "dev", "vx0", "master", "br0"]], removeFlood: [], addFlood: [] }],
  ["down", { ...DONE, up: false }, {}, 1450, { ip: [["link", "set", "dev", "vx0", "up"]], removeFlood: [], addFlood: [] }],
  ["set down", DONE, { up: false }, 1450, { ip: [["link", "set", "dev", "vx0", "down"]], removeFlood: [], addFlood: [] }],
  [
    "a smaller MTU: the tunnel's, then the bridge's",
    DONE,
    { mtu: 1400 },
    1450,
    { ip: [["link", "set", "dev", "vx0", "mtu", "1400"], ["link", "set", "dev", "br0", "mtu", "1400"]], removeFlood: [], addFlood: [], lowerBridgeFrom: 1450 },
  ],
  [
    "moved to another bridge",
    DONE,
    { bridge: "br1" },
    9000,
    { ip: [["link", "set", "dev", "br1", "mtu", "1450"], ["link", "set", "dev", "vx0", "master", "br1"]], removeFlood: [], addFlood: [], lowerBridgeFrom: 9000 },
  ],
])("plan: %s", (_label, cur, want, bridgeMtu, expected) => {
  const plan = planTunnel(cur, { ...WANT, ...want }, bridgeMtu);
  expect(plan).toEqual(expected);
  expect(isEmptyPlan(plan)).toBe(expected.ip.length + expected.removeFlood.length + expected.addFlood.length === 0);
});

test("a plan as a person reads it", () => {
  const plan = planTunnel({ ...DONE, up: false, flood: [{ dst: "10.50.0.3", vni: 7 }] }, WANT, 1450);
  expect(describePlan(plan, "vx0")).toBe(
    "ip link set dev vx0 up, remove flood entry 10.50.0.3 (with its own port/VNI/via) of vx0, add flood entry 10.50.0.2 to vx0, add flood entry 10.50.0.3 to vx0",
  );
});

test("observe: link and fdb as the kernel reports them (iproute2 6.1), remotes in address order", () => {
  const link = parseIpJson(
    '[{"ifindex":3,"ifname":"vx0","flags":["BROADCAST","MULTICAST"],"mtu":1450,"master":"br0","operstate":"DOWN","group":"default","address":"7a:21:de:d1:99:83","linkinfo":{"info_kind":"vxlan","info_data":{"id":42,"local":"10.9.0.1","port_range":{"low":0,"high":0},"port":4789,"learning":false,"ttl":0,"df":"unset","ageing":300}}}]',
    linkSchema(),
    "link",
  )[0]!;
  const fdb = parseFdbJson(
    '[{"mac":"7a:21:de:d1:99:83","flags":[],"master":"br0","state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.10","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.4","port":5000,"vni":7,"flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.2","flags":["self"],"state":"permanent"}]',
  );
  expect(observeTunnel(link, fdb)).toEqual({
    name: "vx0", ifindex: 3, macAddress: "7a:21:de:d1:99:83", vni: 42, localAddress: "10.9.0.1", port: 4789, learning: false, mtu: 1450, up: false, bridge: "br0",
    remotes: ["10.9.0.2", "10.9.0.4 port 5000 vni 7", "10.9.0.10"],
    flood: [{ dst: "10.9.0.10" }, { dst: "10.9.0.4", port: 5000, vni: 7 }, { dst: "10.9.0.2" }],
  });
  expect(observeTunnel({ ...link, linkinfo: { info_kind: "veth" } }, fdb)).toBeUndefined();
});

test("remotes sort numerically, an unparsable one last", () => {
  expect(["10.0.0.10", "fd00::1", "10.0.0.9 port 5000", "10.0.0.9", "9.0.0.1"].sort(compareRemotes)).toEqual(["9.0.0.1", "10.0.0.9", "10.0.0.9 port 5000", "10.0.0.10", "fd00::1"]);
});

test.each<[string, object, string | undefined]>([
  ["exact", {}, undefined],
  ["other VNI", { vni: 43 }, "VNI 43 (asked 42)"],
  ["no local", { localAddress: "" }, "local (none) (asked 10.9.0.1)"],
  ["other port and learning on", { port: 8472, learning: true }, "port 8472 (asked 4789), learning on (asked off)"],
])("identity: %s", (_label, obs, expected) => {
  const base = { vni: 42, localAddress: "10.9.0.1", port: 4789, learning: false };
  expect(identityMismatch({ ...base, ...obs }, { vni: 42, localAddress: "10.9.0.1", port: 4789 })).toBe(expected);
});
