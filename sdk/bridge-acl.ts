import * as pulumi from "@pulumi/pulumi";
import type { HostArgs } from "./host";
import { ownerLabel, providerShim, TYPE_MODULE } from "./shim";

/** Arguments of a {@link BridgeAcl}. */
export interface BridgeAclArgs {
  /** Bridge the entry is about (e.g. a Bridge's `name` output), or `all` (allowed, with a warning). */
  bridge: pulumi.Input<string>;
  /** `allow` (default) or `deny`. qemu-bridge-helper lets any matching deny win over every allow. */
  action?: pulumi.Input<"allow" | "deny">;
  /**
   * The ACL file. Default: `/etc/qemu/bridge.conf`, or `/etc/netns/<netns>/qemu/bridge.conf` when
   * `host.netns` is set (the file `ip netns exec` shows the helper as `/etc/qemu/bridge.conf`).
   */
  confPath?: pulumi.Input<string>;
  /** Where the helper runs: `host.netns` picks the namespace's bridge.conf. */
  host?: pulumi.Input<HostArgs>;
}

/**
 * One entry of qemu-bridge-helper's ACL (`allow br0` / `deny br0`), so unprivileged `-netdev bridge`
 * (and `-nic bridge`) may attach to the bridge. Written under a marker comment naming this
 * resource; every other line of the file is kept byte for byte.
 */
export class BridgeAcl extends pulumi.dynamic.Resource {
  /** Owner tag in the marker comment above our line. */
  declare readonly name: pulumi.Output<string>;
  declare readonly bridge: pulumi.Output<string>;
  /** The action as it is in the file (refresh shows a hand edit). */
  declare readonly action: pulumi.Output<"allow" | "deny">;
  /** The file the entry is in (resolved default). */
  declare readonly confPath: pulumi.Output<string>;
  declare readonly host: pulumi.Output<{ netns?: string; stateDir?: string }>;
  /** Our line exactly as it is in the file, e.g. `allow br0`. */
  declare readonly line: pulumi.Output<string>;
  /** Why the entry may not work: a deny overriding it, `allow all`, helper missing or not setuid root, … */
  declare readonly warnings: pulumi.Output<string[]>;

  constructor(name: string, args: BridgeAclArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("BridgeAcl"),
      name,
      {
        __resourceName: name,
        __owner: ownerLabel(name),
        name: undefined,
        bridge: args.bridge,
        action: args.action,
        confPath: args.confPath,
        host: args.host,
        line: undefined,
        warnings: undefined,
      },
      opts,
      TYPE_MODULE,
      "BridgeAcl",
    );
  }
}
