import * as pulumi from "@pulumi/pulumi";
import { Bridge, BridgeAcl, DhcpServer, NetworkNamespace, PortForward, QemuVm } from "pulumi-qemu-lab";

const config = new pulumi.Config();
const kernel = config.require("kernel");
const initrd = config.require("initrd");
const accel = (config.get("accel") ?? "auto") as "kvm" | "tcg" | "auto";
const memoryMiB = config.getNumber("memoryMiB") ?? 256;
const bridgeAddress = config.get("bridgeAddress") ?? "192.168.77.1/24";
const guestAddress = config.get("guestAddress") ?? "192.168.77.10";
const guestMac = config.get("guestMac") ?? "52:54:00:77:00:10";
const sshPort = config.getNumber("sshPort") ?? 2222;
const stateDir = config.get("stateDir");

// Everything lives in its own namespace, so the lab never touches the host's own links.
const lab = new NetworkNamespace("lab", { name: config.get("namespace") });
const host = { netns: lab.name, stateDir };

// The seed's virbr0: a bridge the host takes part in through its address.
const bridge = new Bridge("br0", {
  name: config.get("bridgeName") ?? "qbr0",
  addresses: [bridgeAddress],
  host,
});

// The seed's `allow virbr0` in bridge.conf, so qemu-bridge-helper lets QEMU onto the bridge.
const acl = new BridgeAcl("br0-allow", { bridge: bridge.name, host });

// DHCP on the bridge (the dnsmasq of `virsh net-start default`): the bridged VM always gets guestAddress.
const dhcp = new DhcpServer("br0-dhcp", {
  bridge: bridge.name,
  range: { start: "192.168.77.100", end: "192.168.77.200" },
  staticLeases: [{ mac: guestMac, ip: guestAddress, hostname: "bridged" }],
  host,
});

// A VM on the bridge through qemu-bridge-helper (the seed's `-nic bridge,br=virbr0,helper=...`), addressed by DHCP.
const bridged = new QemuVm(
  "bridged",
  {
    accel,
    memoryMiB,
    kernel,
    initrd,
    kernelArgs: "console=ttyS0 quiet panic=-1 lab.name=bridged lab.listen=22 lab.ip=eth0:dhcp",
    nics: [{ type: "bridge", bridge: bridge.name, model: "virtio-net-pci", mac: guestMac }],
    host,
  },
  { dependsOn: [acl, dhcp] },
);

// A VM with user networking (the seed's `-netdev user,id=net0`) ...
const userVm = new QemuVm("user", {
  accel,
  memoryMiB,
  kernel,
  initrd,
  kernelArgs: "console=ttyS0 quiet panic=-1 lab.name=user lab.listen=22 lab.ip=eth0:10.0.2.15/24:10.0.2.2",
  nics: [{ type: "user", id: "net0", model: "virtio-net-pci" }],
  host,
});

// ... reached through a forward added live over QMP (the seed's `hostfwd=tcp::2222-:22`).
const ssh = new PortForward("ssh", { vm: userVm, hostPort: sshPort, guestPort: 22, host });

export const namespace = lab.name;
export const bridgeName = bridge.name;
export const bridgeMac = bridge.macAddress;
export const bridgedGuest = pulumi.interpolate`${guestAddress}:22 (from namespace ${lab.name})`;
export const bridgedVmStatus = bridged.status;
export const bridgedVmAddresses = bridged.ipAddresses;
export const sshForward = pulumi.interpolate`${ssh.hostAddress}:${ssh.hostPort} -> guest:${ssh.guestPort} (in namespace ${lab.name})`;
