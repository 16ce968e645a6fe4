/**
 * The one table of resource kinds: each kind's handler (schema, diff and lifecycle behind one interface) and how it
 * auto-names its host object. Handlers are required on first use, so one kind's load cost is not paid by others.
 */
import type * as pulumi from "@pulumi/pulumi";
import { AutoNaming, toDynamicProvider } from "./dynamic/adapter";
import type { ResourceContext, ResourceHandler } from "./resources/common/handler";
import { IFNAME_MAX } from "./resources/common/naming";
import { NAT_NAME_MAX } from "./host/nft/nat-model";

// Why `any`: each kind's handler has its own input and state types; the adapter treats them alike.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHandler = ResourceHandler<any, any>;

/* eslint-disable @typescript-eslint/no-require-imports -- lazy loading per kind is the point */
const KINDS = {
  NetworkNamespace: {
    handler: () => (require("./resources/network-namespace/lifecycle") as typeof import("./resources/network-namespace/lifecycle")).networkNamespaceHandler,
    naming: { maxLength: 40 },
  },
  Bridge: {
    handler: () => (require("./resources/bridge/lifecycle") as typeof import("./resources/bridge/lifecycle")).bridgeHandler,
    naming: { maxLength: IFNAME_MAX },
  },
  BridgeAcl: {
    handler: () => (require("./resources/bridge-acl/lifecycle") as typeof import("./resources/bridge-acl/lifecycle")).bridgeAclHandler,
    naming: { maxLength: 48 },
  },
  PhysicalPortAttachment: {
    handler: () =>
      (require("./resources/physical-port-attachment/lifecycle") as typeof import("./resources/physical-port-attachment/lifecycle")).physicalPortAttachmentHandler,
    naming: undefined,
  },
  QemuVm: {
    handler: () => (require("./resources/qemu-vm/lifecycle") as typeof import("./resources/qemu-vm/lifecycle")).qemuVmHandler,
    naming: { maxLength: 40 },
  },
  PortForward: {
    handler: () => (require("./resources/port-forward/lifecycle") as typeof import("./resources/port-forward/lifecycle")).portForwardHandler,
    naming: undefined,
  },
  VethPair: {
    handler: () => (require("./resources/veth-pair/lifecycle") as typeof import("./resources/veth-pair/lifecycle")).vethPairHandler,
    naming: { maxLength: IFNAME_MAX },
  },
  DhcpServer: {
    handler: () => (require("./resources/dhcp-server/lifecycle") as typeof import("./resources/dhcp-server/lifecycle")).dhcpServerHandler,
    naming: { maxLength: 40 },
  },
  NetworkNat: {
    handler: () => (require("./resources/network-nat/lifecycle") as typeof import("./resources/network-nat/lifecycle")).networkNatHandler,
    naming: { maxLength: NAT_NAME_MAX },
  },
  VxlanTunnel: {
    handler: () => (require("./resources/vxlan-tunnel/lifecycle") as typeof import("./resources/vxlan-tunnel/lifecycle")).vxlanTunnelHandler,
    naming: { maxLength: IFNAME_MAX },
  },
} satisfies Record<string, { handler: () => AnyHandler; naming: AutoNaming | undefined }>;
/* eslint-enable @typescript-eslint/no-require-imports */

/** A resource kind served by this package. */
export type ResourceKind = keyof typeof KINDS;

/** Every kind's name. */
export const KIND_NAMES = Object.keys(KINDS) as ResourceKind[];

/** True when `kind` is one of ours. */
export function isResourceKind(kind: string): kind is ResourceKind {
  return Object.prototype.hasOwnProperty.call(KINDS, kind);
}

/** The dynamic provider for a kind, serving its handler through the one adapter. */
export function makeProvider(kind: ResourceKind, ctx: ResourceContext): pulumi.dynamic.ResourceProvider {
  const entry = KINDS[kind];
  return toDynamicProvider(entry.handler() as AnyHandler, ctx, entry.naming);
}
