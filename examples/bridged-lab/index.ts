import * as pulumi from "@pulumi/pulumi";
import { Bridge, BridgeAcl, PhysicalPortAttachment, QemuVm } from "pulumi-qemu-lab";

const config = new pulumi.Config();
// Where the lab lives: a namespace name, or unset for this host's root namespace (a real hypervisor).
const netns = config.get("netns");
const host = { netns, stateDir: config.get("stateDir") };
const uplink = config.require("uplink"); // the spare NIC to enslave, the seed's eno1
const bridgeName = config.get("bridgeName") ?? "virbr0";
const vmCount = config.getNumber("vmCount") ?? 2;
const kernel = config.require("kernel");
const initrd = config.require("initrd");
const accel = (config.get("accel") ?? "auto") as "kvm" | "tcg" | "auto";
// The host keeps the uplink's own address: moveAddresses carries it (and the default route) over to the bridge.
const guestAddresses = config.getObject<string[]>("guestAddresses") ?? [];

// Step 1-2: the bridge (what `virsh net-start default` makes; libvirt's default network has STP off).
const bridge = new Bridge("virbr0", { name: bridgeName, stp: config.getBoolean("stp") ?? false, host });

// The `access denied by acl file` fix: `allow virbr0` in bridge.conf.
const acl = new BridgeAcl("virbr0-allow", { bridge: bridge.name, host });

// Step 5: `ip link set eno1 up; ip link set eno1 master virbr0`, keeping the host reachable.
const port = new PhysicalPortAttachment("uplink", { bridge: bridge.name, port: uplink, moveAddresses: true, host });

// Step 3-4: VMs on the bridge through qemu-bridge-helper; they sit on the uplink's LAN.
const vms = Array.from({ length: vmCount }, (_, i) => {
  const ip = guestAddresses[i];
  return new QemuVm(
    `vm${i}`,
    {
      accel,
      memoryMiB: config.getNumber("memoryMiB") ?? 256,
      kernel,
      initrd,
      kernelArgs: `console=ttyS0 quiet panic=-1 lab.name=vm${i} lab.listen=22 ` + (ip ? `lab.ip=eth0:${ip}` : "lab.ip=eth0:dhcp"),
      nics: [{ type: "bridge", bridge: bridge.name, model: "virtio-net-pci" }],
      host,
    },
    { dependsOn: [acl, port] },
  );
});

export const bridgeMac = bridge.macAddress;
export const bridgeAddresses = bridge.addresses;
export const movedAddresses = port.movedAddresses;
export const vmMacs = vms.map((v) => v.macs);
