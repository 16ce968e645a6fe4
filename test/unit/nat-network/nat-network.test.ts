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

test.each([
  ["192.168.122.1/24", "192.168.122.0/24", { start: "192.168.122.2", end: "192.168.122.254" }],
  ["10.0.0.1/30", "10.0.0.0/30", { start: "10.0.0.2", end: "10.0.0.2" }],
  ["172.16.5.77/16", "172.16.0.0/16", { start: "172.16.5.78", end: "172.16.255.254" }],
])("address %s: network %s, default range %j", (address, network, range) => {
  expect(networkOfAddress(address)).toBe(network);
  expect(defaultDhcpRange(address)).toEqual(range);
});

test.each([
  ["192.168.122.254/24", /no room for a DHCP range/],
  ["192.168.122.1", /IPv4 CIDR/],
  ["fd00::1/64", /not an IPv4 address/],
])("address %s has no default range: %s", (address, error) => {
  expect(() => defaultDhcpRange(address)).toThrow(error);
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
