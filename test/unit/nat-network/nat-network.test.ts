/**
 * NatNetwork under Pulumi's mocks: the children it declares, with the arguments it derives from `address` (the network,
 * the router, libvirt's default DHCP range), and what `dhcp: false` / `nat: false` / `acl: false` leave out.
 */
import * as pulumi from "@pulumi/pulumi";
import { defaultDhcpRange, NatNetwork, networkOfAddress } from "../../../sdk/nat-network";

const registered: Record<string, { type: string; inputs: Record<string, unknown>; parent?: string }> = {};

beforeAll(() =>
  pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        registered[a.name] = { type: a.type, inputs: a.inputs };
        return { id: `${a.name}-id`, state: { ...a.inputs, leases: a.type.endsWith("DhcpServer") ? [{ mac: "52:54:00:00:00:01", ip: "192.168.122.10", hostname: "web", expiresAt: 0 }] : undefined } };
      },
      call: () => ({}),
    },
    "proj",
    "dev",
  ),
);
beforeEach(() => {
  for (const k of Object.keys(registered)) delete registered[k];
});

const resolved = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
/**
 * The Output's value, or its error (an exception thrown in an apply; `apply` alone never sees a rejection). Its other
 * promises (known, secret, resources) are settled too, or their rejections would be unhandled.
 */
const outputPromise = <T>(o: pulumi.Output<T>) => {
  const i = o as unknown as { promise(): Promise<T>; isKnown: Promise<boolean>; isSecret: Promise<boolean>; allResources(): Promise<unknown> };
  for (const p of [i.isKnown, i.isSecret, i.allResources()]) p.catch(() => undefined);
  return i.promise();
};

test.each([
  ["192.168.122.1/24", "192.168.122.0/24", { start: "192.168.122.2", end: "192.168.122.254" }],
  ["10.0.0.1/30", "10.0.0.0/30", { start: "10.0.0.2", end: "10.0.0.2" }],
  ["10.0.0.2/30", "10.0.0.0/30", { start: "10.0.0.1", end: "10.0.0.1" }], // the free side is below the bridge's address
  ["172.16.5.77/16", "172.16.0.0/16", { start: "172.16.5.78", end: "172.16.255.254" }],
  ["172.16.200.1/16", "172.16.0.0/16", { start: "172.16.0.1", end: "172.16.200.0" }], // more room below
  ["192.168.122.254/24", "192.168.122.0/24", { start: "192.168.122.1", end: "192.168.122.253" }],
  ["192.168.122.128/24", "192.168.122.0/24", { start: "192.168.122.1", end: "192.168.122.127" }], // 127 below, 126 above
  ["192.168.122.127/24", "192.168.122.0/24", { start: "192.168.122.128", end: "192.168.122.254" }], // equal: after it
])("address %s: network %s, default range %j", (address, network, range) => {
  expect(networkOfAddress(address)).toBe(network);
  expect(defaultDhcpRange(address)).toEqual(range);
});

test.each([
  ["192.168.122.1", /NatNetwork address "192.168.122.1": .*IPv4 CIDR/],
  ["fd00::1/64", /NatNetwork address "fd00::1\/64": .*not an IPv4 address/],
  ["10.0.0.0/24", /NatNetwork address "10.0.0.0\/24": is the network address of 10.0.0.0\/24.*e.g. 10.0.0.1\/24/],
  ["10.0.0.255/24", /NatNetwork address "10.0.0.255\/24": is the broadcast address of 10.0.0.0\/24/],
  ["10.0.0.3/30", /is the broadcast address of 10.0.0.0\/30/],
  ["10.0.0.1/31", /NatNetwork address "10.0.0.1\/31": a \/31 network has no address for a DHCP range.*dhcp: false/],
  ["10.0.0.1/32", /NatNetwork address "10.0.0.1\/32": a \/32 network has no address for a DHCP range/],
])("address %s is refused, naming it: %s", (address, error) => {
  expect(() => defaultDhcpRange(address)).toThrow(error);
  expect(() => networkOfAddress(address)).toThrow(error);
});

test("without DHCP a /31 or /32 bridge address is allowed; a network or broadcast address still is not", () => {
  expect(networkOfAddress("10.0.0.0/31", false)).toBe("10.0.0.0/31");
  expect(networkOfAddress("10.0.0.1/32", false)).toBe("10.0.0.1/32");
  expect(() => networkOfAddress("10.0.0.0/24", false)).toThrow(/network address/);
});

test("a NatNetwork declares a Bridge, BridgeAcl, DhcpServer and NetworkNat, with what it derives from the address", async () => {
  const net = new NatNetwork("default", {
    bridgeName: "virbr0",
    address: "192.168.122.1/24",
    dhcp: { staticLeases: [{ mac: "52:54:00:00:00:01", ip: "192.168.122.10", hostname: "web" }], dnsDomain: "lab" },
    nat: { outInterface: "eth0", forwards: [{ protocol: "tcp", hostPort: 2222, toAddress: "192.168.122.10", toPort: 22 }] },
    host: { netns: "lab" },
  });
  expect(await resolved(net.bridgeName)).toBe("virbr0");
  expect(await resolved(net.leases)).toEqual([{ mac: "52:54:00:00:00:01", ip: "192.168.122.10", hostname: "web", expiresAt: 0 }]);
  expect(Object.fromEntries(Object.entries(registered).map(([n, r]) => [n, r.type.split(":").pop()]))).toEqual({
    default: "Bridge", "default-acl": "BridgeAcl", "default-dhcp": "DhcpServer", "default-nat": "NetworkNat",
  });
  expect(registered.default!.inputs).toMatchObject({ name: "virbr0", addresses: ["192.168.122.1/24"], host: { netns: "lab" } });
  expect(registered["default-acl"]!.inputs).toMatchObject({ bridge: "virbr0", host: { netns: "lab" } });
  expect(registered["default-dhcp"]!.inputs).toMatchObject({
    bridge: "virbr0", network: "192.168.122.0/24", router: "192.168.122.1",
    range: { start: "192.168.122.2", end: "192.168.122.254" }, dnsDomain: "lab",
    staticLeases: [{ mac: "52:54:00:00:00:01", ip: "192.168.122.10", hostname: "web" }],
  });
  expect(registered["default-nat"]!.inputs).toMatchObject({
    sourceCidr: "192.168.122.0/24", outInterface: "eth0",
    forwards: [{ protocol: "tcp", hostPort: 2222, toAddress: "192.168.122.10", toPort: 22 }],
  });
});

test("dhcp: false, nat: false and acl: false leave out their children; leases are then empty", async () => {
  const net = new NatNetwork("iso", { address: "10.9.0.1/24", dhcp: false, nat: false, acl: false });
  expect(await resolved(net.leases)).toEqual([]);
  expect(await resolved(net.bridgeName)).toBe(undefined); // auto-named by the provider; the mock echoes the inputs
  expect(Object.keys(registered)).toEqual(["iso"]);
  expect(registered.iso!.type).toMatch(/:Bridge$/);
  expect(net.dhcp).toBeUndefined();
  expect(net.nat).toBeUndefined();
});

test("upstreamDns is passed to the DhcpServer", async () => {
  const net = new NatNetwork("up", { address: "10.8.0.1/24", dhcp: { upstreamDns: ["9.9.9.9", "1.1.1.1"] } });
  expect(await resolved(net.dhcp!.upstreamDns)).toEqual(["9.9.9.9", "1.1.1.1"]);
  expect(registered["up-dhcp"]!.inputs).toMatchObject({ upstreamDns: ["9.9.9.9", "1.1.1.1"], range: { start: "10.8.0.2", end: "10.8.0.254" }, router: "10.8.0.1" });
});

test("an address given as an Output is checked too: the network address is refused, naming `address`", async () => {
  const net = new NatNetwork("bad", { address: pulumi.output("10.0.0.0/24"), dhcp: false, nat: false, acl: false });
  await expect(outputPromise(net.network)).rejects.toThrow(/NatNetwork address "10.0.0.0\/24": is the network address/);
  const good = new NatNetwork("good", { address: pulumi.output("10.0.0.2/30"), nat: false, acl: false });
  expect(await outputPromise(good.network)).toBe("10.0.0.0/30");
  expect(await resolved(good.dhcp!.range)).toEqual({ start: "10.0.0.1", end: "10.0.0.1" });
});
