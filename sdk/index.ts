/** pulumi-qemu-lab: declare QEMU labs — bridges, bridge.conf ACLs, enslaved NICs, VMs and port forwards — as Pulumi resources. */
export { NetworkNamespace, type NetworkNamespaceArgs } from "./network-namespace";
export type { HostArgs } from "./host";
export { Bridge, type BridgeArgs } from "./bridge";
