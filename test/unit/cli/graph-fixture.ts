/**
 * A fixed stack state for the graph tests with every kind of resource: a namespace holding a NatNetwork (bridge, ACL,
 * DHCP with a static lease, NAT with a forward and an uplink), two VMs (bridge and user NICs, inline hostForwards, a
 * PortForward), a root-namespace bridge with a physical port (released by hand: outputs differ from inputs) and a veth
 * pair to the namespace, a NIC on a bridge the stack does not manage, and secrets in both in-memory forms.
 */
import type { ResourceState, StackState } from "../../../driver/types";

/** Plaintexts of the fixture's secrets: no rendering may contain them. */
export const SECRET_PLAINTEXTS = ["#cloud-config\npassword: hunter2-SECRET", "SECRET-CIPHERTEXT-v1:abc", "SECRET-DNS-9.9.9.9"];

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const secret = (value: unknown) => ({ [SIG]: SECRET, value });

const STACK = "urn:pulumi:dev::lab::pulumi:pulumi:Stack::lab-dev";
const dyn = (kind: string) => `pulumi-nodejs:dynamic/qemu-lab:${kind}`;
const urn = (kind: string, name: string, parentType?: string) => `urn:pulumi:dev::lab::${parentType ? `${parentType}$` : ""}${dyn(kind)}::${name}`;
const NATNET = "urn:pulumi:dev::lab::qemu-lab:index:NatNetwork::default";

/** A custom resource of ours, with the engine's and SDK's own keys that the graph must leave out. */
function resource(kind: string, name: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>, extra: Partial<ResourceState> = {}): ResourceState {
  const provider = "exports.handler = __f0; /* serialized shim */";
  return {
    urn: urn(kind, name, extra.parent === NATNET ? "qemu-lab:index:NatNetwork" : undefined),
    type: dyn(kind),
    custom: true,
    id: String(outputs.name ?? name),
    inputs: { __provider: provider, __resourceName: name, __owner: `lab/dev/${name}#abc`, ...inputs },
    outputs: { __provider: provider, ...outputs },
    parent: STACK,
    dependencies: [],
    propertyDependencies: {},
    ...extra,
  };
}

const ns = { netns: "lab-ns" };

export const GRAPH_FIXTURE: StackState = {
  version: 1,
  project: "lab",
  stack: "dev",
  resources: [
    { urn: STACK, type: "pulumi:pulumi:Stack", custom: false, inputs: {}, outputs: { webUrl: "http://127.0.0.1:8080" }, dependencies: [], propertyDependencies: {} },
    {
      urn: "urn:pulumi:dev::lab::pulumi:providers:pulumi-nodejs::default",
      type: "pulumi:providers:pulumi-nodejs",
      custom: true,
      id: "prov-1",
      inputs: {},
      outputs: {},
      dependencies: [],
      propertyDependencies: {},
    },
    resource("NetworkNamespace", "lab", { name: "lab-ns", adopt: false }, { name: "lab-ns", adopt: false, created: true }),
    {
      urn: NATNET,
      type: "qemu-lab:index:NatNetwork",
      custom: false,
      inputs: {},
      outputs: { bridgeName: "virbr-lab", leases: [] },
      parent: STACK,
      dependencies: [],
      propertyDependencies: {},
    },
    resource(
      "Bridge",
      "default",
      { name: "virbr-lab", addresses: ["192.168.122.1/24"], up: true, adopt: false, host: ns },
      { name: "virbr-lab", addresses: ["192.168.122.1/24"], mtu: 1500, stp: false, up: true, adopt: false, macAddress: "52:54:00:0a:0b:0c", ifindex: 4, created: true, host: ns },
      { parent: NATNET },
    ),
    resource(
      "BridgeAcl",
      "default-acl",
      { name: "default-acl-1a2b3", bridge: "virbr-lab", action: "allow", host: ns },
      { name: "default-acl-1a2b3", bridge: "virbr-lab", action: "allow", confPath: "/etc/netns/lab-ns/qemu/bridge.conf", line: "allow virbr-lab", warnings: [], host: ns },
      { parent: NATNET },
    ),
    resource(
      "DhcpServer",
      "default-dhcp",
      {
        name: "default-dhcp-4c5d6",
        bridge: "virbr-lab",
        network: "192.168.122.0/24",
        range: { start: "192.168.122.2", end: "192.168.122.254" },
        router: "192.168.122.1",
        upstreamDns: secret(["SECRET-DNS-9.9.9.9"]),
        staticLeases: [{ mac: "52:54:00:00:00:10", ip: "192.168.122.10", hostname: "web" }],
        host: ns,
      },
      {
        name: "default-dhcp-4c5d6",
        bridge: "virbr-lab",
        network: "192.168.122.0/24",
        range: { start: "192.168.122.2", end: "192.168.122.254" },
        leaseTime: 3600,
        router: "192.168.122.1",
        upstreamDns: secret(["SECRET-DNS-9.9.9.9"]),
        staticLeases: [{ mac: "52:54:00:00:00:10", ip: "192.168.122.10", hostname: "web" }],
        leases: [{ mac: "52:54:00:00:00:11", ip: "192.168.122.50", hostname: "db", expiresAt: 1767225600 }],
        pid: 4242,
        leaseFile: "/var/lib/qemu-lab/dhcp/default-dhcp-4c5d6/leases",
        status: "running",
        host: ns,
      },
      { parent: NATNET },
    ),
    resource(
      "NetworkNat",
      "default-nat",
      { name: "default-nat-7e8f9", sourceCidr: "192.168.122.0/24", outInterface: "veth-up", forwards: [{ protocol: "tcp", hostPort: 8080, toAddress: "192.168.122.10", toPort: 80 }], host: ns },
      {
        name: "default-nat-7e8f9",
        sourceCidr: "192.168.122.0/24",
        outInterface: "veth-up",
        forwards: [{ protocol: "tcp", hostPort: 8080, toAddress: "192.168.122.10", toPort: 80 }],
        table: "qemu_lab_nat_default-nat-7e8f9",
        ruleset: { flags: [], chains: [] },
        ipForward: true,
        ipForwardChanged: true,
        host: ns,
      },
      { parent: NATNET },
    ),
    resource(
      "Bridge",
      "lan",
      { name: "br-lan", addresses: ["10.10.0.1/24"], up: true, adopt: false, host: {} },
      // The host has a second address now (added by hand): outputs win.
      { name: "br-lan", addresses: ["10.10.0.1/24", "10.10.0.2/24"], mtu: 1500, stp: false, up: true, adopt: false, macAddress: "52:54:00:1a:2b:3c", ifindex: 7, created: true, host: {} },
    ),
    resource(
      "VethPair",
      "uplink",
      { name: "veth-host", peerName: "veth-up", peerNetns: "lab-ns", up: true, adopt: false, host: {} },
      { name: "veth-host", peerName: "veth-up", peerNetns: "lab-ns", up: true, adopt: false, macAddress: "aa:00:00:00:00:01", peerMacAddress: "aa:00:00:00:00:02", ifindex: 8, peerIfindex: 2, created: true, host: {} },
    ),
    resource(
      "PhysicalPortAttachment",
      "uplink-port",
      { bridge: "br-lan", port: "veth-host", moveAddresses: false, host: {} },
      { bridge: "br-lan", port: "veth-host", moveAddresses: false, portUp: true, portMacAddress: "aa:00:00:00:00:01", movedAddresses: [], movedRoutes: [], movedTo: "", preexisting: false, host: {} },
      { id: "br-lan/veth-host" },
    ),
    resource(
      "PhysicalPortAttachment",
      "eno1",
      { bridge: "br-lan", port: "eno1", moveAddresses: false, host: {} },
      // Released by hand (`ip link set eno1 nomaster`): the host has no master, the stack still wants br-lan.
      { bridge: "", port: "eno1", moveAddresses: false, portUp: true, portMacAddress: "3c:ec:ef:00:00:01", movedAddresses: [], movedRoutes: [], movedTo: "", preexisting: false, host: {} },
      { id: "br-lan/eno1" },
    ),
    resource(
      "QemuVm",
      "web",
      {
        name: "web",
        memoryMiB: 512,
        cpus: 1,
        nics: [
          { type: "bridge", id: "net0", bridge: "virbr-lab", model: "virtio-net-pci", mac: "52:54:00:00:00:10", helper: "/usr/lib/qemu/qemu-bridge-helper" },
          { type: "user", id: "net1", model: "virtio-net-pci", mac: "52:54:00:00:00:20", hostForwards: [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 }] },
        ],
        // The checkpoint form of a secret (ciphertext) in the inputs; outputs carry the in-memory form.
        cloudInit: { [SIG]: SECRET, ciphertext: "SECRET-CIPHERTEXT-v1:abc" },
        host: ns,
      },
      {
        name: "web",
        memoryMiB: 512,
        cpus: 1,
        accel: "auto",
        nics: [
          { type: "bridge", id: "net0", bridge: "virbr-lab", model: "virtio-net-pci", mac: "52:54:00:00:00:10", helper: "/usr/lib/qemu/qemu-bridge-helper" },
          {
            type: "user",
            id: "net1",
            model: "virtio-net-pci",
            mac: "52:54:00:00:00:20",
            // What QEMU has: its own forward and the one the PortForward added.
            hostForwards: [
              { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 },
              { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 8081, guestPort: 80 },
            ],
          },
        ],
        cloudInit: { userData: secret("#cloud-config\npassword: hunter2-SECRET") },
        instanceId: "i-0001",
        pid: 5151,
        qmpSocket: "/var/lib/qemu-lab/vms/web/qmp.sock",
        serialLog: "/var/lib/qemu-lab/vms/web/serial.log",
        macs: ["52:54:00:00:00:10", "52:54:00:00:00:20"],
        ipAddresses: [["192.168.122.10"], ["10.0.2.15"]],
        status: "running",
        acceleration: "tcg",
        host: ns,
      },
    ),
    resource(
      "QemuVm",
      "db",
      {
        name: "db",
        memoryMiB: 1024,
        cpus: 2,
        nics: [
          { type: "bridge", id: "net0", bridge: "virbr-lab", model: "virtio-net-pci", mac: "52:54:00:00:00:11", helper: "/usr/lib/qemu/qemu-bridge-helper" },
          { type: "bridge", id: "net1", bridge: "br-ext", model: "e1000", mac: "52:54:00:00:00:12", helper: "/usr/lib/qemu/qemu-bridge-helper" },
        ],
        host: ns,
      },
      {
        name: "db",
        memoryMiB: 1024,
        cpus: 2,
        nics: [
          { type: "bridge", id: "net0", bridge: "virbr-lab", model: "virtio-net-pci", mac: "52:54:00:00:00:11", helper: "/usr/lib/qemu/qemu-bridge-helper" },
          { type: "bridge", id: "net1", bridge: "br-ext", model: "e1000", mac: "52:54:00:00:00:12", helper: "/usr/lib/qemu/qemu-bridge-helper" },
        ],
        instanceId: "i-0002",
        macs: ["52:54:00:00:00:11", "52:54:00:00:00:12"],
        ipAddresses: [["192.168.122.50"], []],
        status: "stopped",
        host: ns,
      },
    ),
    resource(
      "PortForward",
      "web-http",
      { name: "web-http", vm: "web", vmInstanceId: "i-0001", netdev: "net1", protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 8081, guestPort: 80, adopt: false, host: ns },
      {
        name: "web-http",
        vm: "web",
        vmInstanceId: "i-0001",
        netdev: "net1",
        protocol: "tcp",
        hostAddress: "127.0.0.1",
        hostPort: 8081,
        guestPort: 80,
        adopt: false,
        rule: "tcp:127.0.0.1:8081-:80",
        active: true,
        effectiveGuestAddress: "10.0.2.15",
        created: true,
        host: ns,
      },
      { id: "web/net1/tcp:127.0.0.1:8081" },
    ),
  ],
};

/** Every node id the fixture's graph has, in the graph's order. */
export const FIXTURE_NODE_IDS = [
  "netns:lab-ns",
  "natnetwork:default",
  "bridge:lab-ns/virbr-lab",
  "acl:lab-ns/default-acl-1a2b3",
  "dhcp:lab-ns/default-dhcp-4c5d6",
  "nat:lab-ns/default-nat-7e8f9",
  "forward:lab-ns/nat:default-nat-7e8f9/tcp/*:8080",
  "bridge:lab-ns/br-ext",
  "veth:lab-ns/veth-up",
  "vm:lab-ns/db",
  "vm:lab-ns/web",
  "nic:lab-ns/db/net0",
  "nic:lab-ns/db/net1",
  "nic:lab-ns/web/net0",
  "nic:lab-ns/web/net1",
  "forward:lab-ns/web/net1/tcp/127.0.0.1:2222",
  "forward:lab-ns/web/net1/tcp/127.0.0.1:8081",
  "bridge:/br-lan",
  "port:/eno1",
  "veth:/veth-host",
];
