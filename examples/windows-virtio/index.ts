import * as pulumi from "@pulumi/pulumi";
import { PortForward, QemuVm } from "pulumi-qemu-lab";

const config = new pulumi.Config();
const netns = config.get("netns");
const host = { netns, stateDir: config.get("stateDir") };
// e1000 works out of the box in Windows; switch to virtio-net-pci once the virtio-win guest tools are installed.
// `pulumi preview` then shows the NIC change as a replace (delete-before-replace: the disk is never opened twice).
const nicModel = (config.get("nicModel") ?? "e1000") as "e1000" | "virtio-net-pci";

const vm = new QemuVm("windows", {
  name: config.get("vmName") ?? "windows",
  accel: (config.get("accel") ?? "auto") as "kvm" | "tcg" | "auto",
  memoryMiB: config.getNumber("memoryMiB") ?? 4096,
  cpus: config.getNumber("cpus") ?? 2,
  machine: config.get("machine") ?? "q35",
  disks: [{ path: config.require("disk"), format: "qcow2", interface: "ide" }],
  // The virtio-win ISO (drivers + guest tools installer).
  cdroms: [config.require("virtioWinIso")],
  // For testing without Windows: boot a kernel instead of the disk.
  kernel: config.get("kernel"),
  initrd: config.get("initrd"),
  kernelArgs: config.get("kernelArgs"),
  nics: [{ type: "user", id: "net0", model: nicModel }],
  stopTimeoutSeconds: config.getNumber("stopTimeoutSeconds") ?? 120,
  host,
});

// RDP to the guest through the host.
const rdp = new PortForward("rdp", { vm, hostPort: config.getNumber("rdpPort") ?? 3389, guestPort: 3389, host });

export const nic = nicModel;
export const macs = vm.macs;
export const rdpForward = pulumi.interpolate`${rdp.hostAddress}:${rdp.hostPort}`;
