/**
 * pulumi-qemu-lab: declare QEMU labs — network namespaces, Linux bridges, qemu-bridge-helper ACLs, enslaved NICs,
 * veth pairs, QEMU VMs and live port forwards — as Pulumi resources.
 */
export type { HostArgs } from "./host";
export type { InputOf, InputsOf } from "./resource-types";
export { NetworkNamespace, type NetworkNamespaceArgs } from "./network-namespace";
export { Bridge, type BridgeArgs } from "./bridge";
export { BridgeAcl, type BridgeAclArgs } from "./bridge-acl";
export { PhysicalPortAttachment, type PhysicalPortAttachmentArgs, type MovedRoute } from "./physical-port-attachment";
export { VethPair, type VethPairArgs } from "./veth-pair";
export {
  QemuVm,
  type QemuVmArgs,
  type QemuNicModel,
  type QemuHostForwardArgs,
  type QemuUserNicArgs,
  type QemuBridgeNicArgs,
  type QemuDiskArgs,
  type QemuOverlayArgs,
  type QemuCloudInitArgs,
  type QemuReadinessArgs,
} from "./qemu-vm";
export { PortForward, type PortForwardArgs, type PortForwardVm } from "./port-forward";
export { NetworkNat, type NetworkNatArgs } from "./network-nat";
export { DhcpServer, type DhcpServerArgs, type DhcpLease } from "./dhcp-server";
export { NatNetwork, type NatNetworkArgs, type NatNetworkDhcpArgs, type NatNetworkNatArgs } from "./nat-network";
export { VxlanTunnel, type VxlanTunnelArgs } from "./vxlan-tunnel";
export { VxlanMesh, type VxlanMeshArgs, type VxlanMeshMember } from "./vxlan-mesh";
