import * as pulumi from "@pulumi/pulumi";
import { NatNetwork, QemuVm } from "pulumi-qemu-lab";

const config = new pulumi.Config();
// Where the lab lives: a namespace name, or unset for this host's root namespace (a real hypervisor).
const host = { netns: config.get("netns"), stateDir: config.get("stateDir") };
const kernel = config.require("kernel");
const initrd = config.require("initrd");
const accel = (config.get("accel") ?? "auto") as "kvm" | "tcg" | "auto";
const memoryMiB = config.getNumber("memoryMiB") ?? 256;
// The web VM's fixed address and the host port forwarded to its port 22.
const webAddress = config.get("webAddress") ?? "192.168.122.10";
const webMac = "52:54:00:12:20:10";
const forwardPort = config.getNumber("forwardPort") ?? 2222;
// A script the web VM runs once at first boot (cloud-init NoCloud user data): the test guest runs `#!/bin/sh` ones.
const webUserData = config.get("webUserData") ?? "#!/bin/sh\necho hello from cloud-init\n";

// `virsh net-start default`: bridge 192.168.122.1/24, its bridge.conf ACL, dnsmasq handing out .2-.254 with one
// static lease, guests' names in DNS under .lab, masquerade to the outside and one port forwarded in.
const net = new NatNetwork("default", {
  bridgeName: config.get("bridgeName") ?? "virbr0",
  address: "192.168.122.1/24",
  dhcp: {
    staticLeases: [{ mac: webMac, ip: webAddress, hostname: "web" }],
    dnsDomain: "lab",
  },
  nat: {
    outInterface: config.get("outInterface"),
    forwards: [{ protocol: "tcp", hostPort: forwardPort, toAddress: webAddress, toPort: 22 }],
  },
  host,
});

const guestArgs = (name: string) => `console=ttyS0 quiet panic=-1 lab.name=${name} lab.listen=22 lab.ip=eth0:dhcp`;

// The web VM: its static lease, first-boot user data, and create returns once its port 22 answers.
const web = new QemuVm(
  "web",
  {
    accel, memoryMiB, kernel, initrd,
    kernelArgs: guestArgs("web"),
    nics: [{ type: "bridge", bridge: net.bridgeName, mac: webMac }],
    cloudInit: { userData: webUserData },
    readiness: { tcp: { host: webAddress, port: 22 }, timeoutSeconds: 180 },
    host,
  },
  { dependsOn: [net] },
);

// A second VM with a dynamic lease; it reaches web by name (web.lab) through dnsmasq.
const db = new QemuVm(
  "db",
  {
    accel, memoryMiB, kernel, initrd,
    kernelArgs: guestArgs("db"),
    nics: [{ type: "bridge", bridge: net.bridgeName }],
    readiness: { serialPattern: "QEMU-LAB-GUEST READY", timeoutSeconds: 180 },
    host,
  },
  { dependsOn: [net] },
);

export const bridgeName = net.bridgeName;
export const leases = net.leases;
export const webAddresses = web.ipAddresses;
export const dbMac = db.macs[0];
export const webSerialLog = web.serialLog;
export const forward = pulumi.interpolate`host port ${forwardPort} -> ${webAddress}:22`;
