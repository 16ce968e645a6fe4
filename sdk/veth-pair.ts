import * as pulumi from "@pulumi/pulumi";
import type { HostArgs } from "./host";
import { ownerLabel, providerShim, TYPE_MODULE } from "./shim";

/** Arguments of a {@link VethPair}. */
export interface VethPairArgs {
  /** Name of the first end (1–15 characters). Default: the resource name plus a random suffix. */
  name?: pulumi.Input<string>;
  /** Name of the other end (1–15 characters). */
  peerName: pulumi.Input<string>;
  /** Network namespace the other end goes to (default: the same as `host.netns`). */
  peerNetns?: pulumi.Input<string>;
  /** Both ends administratively up (default true). */
  up?: pulumi.Input<boolean>;
  /** Manage a pair that already exists instead of failing; delete then leaves it in place. */
  adopt?: pulumi.Input<boolean>;
  /** Where the first end lives (default: the root network namespace). */
  host?: HostArgs;
}

/**
 * A virtual Ethernet cable: two linked interfaces (`ip link add NAME type veth peer name PEER`), e.g. a
 * port to enslave to a bridge with its other end in another namespace. Deleting it removes both ends.
 */
export class VethPair extends pulumi.dynamic.Resource {
  /** Name of the first end; pass it to PhysicalPortAttachment to enslave it. */
  declare readonly name: pulumi.Output<string>;
  declare readonly peerName: pulumi.Output<string>;
  declare readonly peerNetns: pulumi.Output<string | undefined>;
  /** True when both ends are administratively up (as observed). */
  declare readonly up: pulumi.Output<boolean>;
  declare readonly adopt: pulumi.Output<boolean>;
  declare readonly host: pulumi.Output<{ netns?: string; stateDir?: string }>;
  declare readonly macAddress: pulumi.Output<string>;
  declare readonly peerMacAddress: pulumi.Output<string>;
  /** Kernel interface index of the first end. */
  declare readonly ifindex: pulumi.Output<number>;
  /** Kernel interface index of the other end (in its namespace). */
  declare readonly peerIfindex: pulumi.Output<number>;
  /** True when this resource created the pair (false when adopted: delete then leaves it). */
  declare readonly created: pulumi.Output<boolean>;

  constructor(name: string, args: VethPairArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("VethPair"),
      name,
      {
        __resourceName: name,
        __owner: ownerLabel(name),
        name: args.name,
        peerName: args.peerName,
        peerNetns: args.peerNetns,
        up: args.up,
        adopt: args.adopt,
        host: args.host,
        macAddress: undefined,
        peerMacAddress: undefined,
        ifindex: undefined,
        peerIfindex: undefined,
        created: undefined,
      },
      opts,
      TYPE_MODULE,
      "VethPair",
    );
  }
}
