import * as pulumi from "@pulumi/pulumi";
import type { HostArgs } from "./host";
import { ownerLabel, providerShim, TYPE_MODULE } from "./shim";

/** Arguments of a {@link Bridge}. Optional properties left unset are not managed (the host's value is kept). */
export interface BridgeArgs {
  /** Interface name (1–15 characters). Default: the resource name plus a random suffix. */
  name?: pulumi.Input<string>;
  /**
   * Addresses of the bridge as CIDRs (IPv4 and IPv6, host bits allowed: `10.0.0.1/24`, `fd00::1/64`).
   * When set, it is the exact set: addresses not listed are removed. Kernel-made IPv6 link-local
   * addresses are ignored.
   */
  addresses?: pulumi.Input<pulumi.Input<string>[]>;
  /** MTU, 68–65535 (at least 1280 with IPv6 addresses). Kept when ports with another MTU join. */
  mtu?: pulumi.Input<number>;
  /** Spanning Tree Protocol on or off (a new bridge has it off). */
  stp?: pulumi.Input<boolean>;
  /**
   * The bridge's MAC address. Default for a bridge this resource creates: a stable address derived from the name
   * (52:54:00:…), so the bridge's MAC does not follow its ports as VMs come and go. Unset on an adopted bridge: kept.
   */
  macAddress?: pulumi.Input<string>;
  /**
   * Administratively up (default true). The kernel drops IPv6 addresses when a link goes down; when
   * this resource sets it down it re-adds them (they stay while down). After a down by hand, refresh + up repairs it.
   */
  up?: pulumi.Input<boolean>;
  /** Manage a bridge that already exists instead of failing; delete then leaves it in place. */
  adopt?: pulumi.Input<boolean>;
  /** Where the bridge lives (default: the root network namespace). */
  host?: HostArgs;
}

/**
 * A Linux bridge: the virtual switch VMs' tap devices and physical NICs are enslaved to
 * (`ip link add … type bridge`). Outputs report what the host has, so refresh shows drift.
 */
export class Bridge extends pulumi.dynamic.Resource {
  /** The interface name; pass it to BridgeAcl, PhysicalPortAttachment and QemuVm NICs. */
  declare readonly name: pulumi.Output<string>;
  /** Addresses on the bridge as observed: canonical CIDRs, IPv4 first, in numeric order. */
  declare readonly addresses: pulumi.Output<string[]>;
  declare readonly mtu: pulumi.Output<number>;
  declare readonly stp: pulumi.Output<boolean>;
  declare readonly up: pulumi.Output<boolean>;
  declare readonly adopt: pulumi.Output<boolean>;
  declare readonly host: pulumi.Output<{ netns?: string; stateDir?: string }>;
  /** The bridge's MAC address. */
  declare readonly macAddress: pulumi.Output<string>;
  /** The kernel's interface index. */
  declare readonly ifindex: pulumi.Output<number>;
  /** True when this resource created the bridge (false when adopted: delete then leaves it). */
  declare readonly created: pulumi.Output<boolean>;

  constructor(name: string, args: BridgeArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("Bridge"),
      name,
      {
        __resourceName: name,
        __owner: ownerLabel(name),
        name: args.name,
        addresses: args.addresses,
        mtu: args.mtu,
        stp: args.stp,
        up: args.up,
        adopt: args.adopt,
        host: args.host,
        macAddress: args.macAddress,
        ifindex: undefined,
        created: undefined,
      },
      opts,
      TYPE_MODULE,
      "Bridge",
    );
  }
}
