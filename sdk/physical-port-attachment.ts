import * as pulumi from "@pulumi/pulumi";
import type { HostArgs } from "./host";
import { ownerLabel, providerShim, TYPE_MODULE } from "./shim";

/** Arguments of a {@link PhysicalPortAttachment}. */
export interface PhysicalPortAttachmentArgs {
  /** The bridge to enslave the port to (e.g. a Bridge's `name` output, so the bridge is created first). */
  bridge: pulumi.Input<string>;
  /** The interface to enslave, e.g. `eno1`. It must exist and not be on another bridge. */
  port: pulumi.Input<string>;
  /**
   * Move the port's addresses and the routes through it (default route included) to the bridge,
   * so the host stays reachable once the port is a bridge port; delete gives them back. Turning it
   * off on an attached port gives them back too (an enslaved port cannot use them). Default false.
   * Leave the Bridge's `addresses` unset (or list the moved ones): a set `addresses` is exact and
   * would remove them.
   */
  moveAddresses?: pulumi.Input<boolean>;
  /** Where the port and bridge live (default: the root network namespace). */
  host?: HostArgs;
}

/** A recorded route, moved from the port to the bridge. */
export interface MovedRoute {
  family: "inet" | "inet6";
  dst: string;
  gateway?: string;
  metric?: number;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  table?: string;
  onlink?: boolean;
}

/**
 * A physical NIC enslaved to a bridge: the seed's `ip link set eno1 up; ip link set eno1 master virbr0`.
 * On delete the port is released (`nomaster`), stays up, and gets back what was moved.
 */
export class PhysicalPortAttachment extends pulumi.dynamic.Resource {
  /** The port's actual master ("" when it was released outside Pulumi: the next `up` re-enslaves it). */
  declare readonly bridge: pulumi.Output<string>;
  declare readonly port: pulumi.Output<string>;
  declare readonly moveAddresses: pulumi.Output<boolean>;
  declare readonly host: pulumi.Output<{ netns?: string; stateDir?: string }>;
  /** The port is administratively up. */
  declare readonly portUp: pulumi.Output<boolean>;
  /** The port's MAC address. */
  declare readonly portMacAddress: pulumi.Output<string>;
  /** Addresses (CIDR) moved from the port to the bridge. */
  declare readonly movedAddresses: pulumi.Output<string[]>;
  /** Routes moved from the port to the bridge. */
  declare readonly movedRoutes: pulumi.Output<MovedRoute[]>;
  /** The bridge holding the moved addresses and routes ("" when nothing is moved). */
  declare readonly movedTo: pulumi.Output<string>;
  /** The port was already on this bridge at create, so delete leaves it enslaved. */
  declare readonly preexisting: pulumi.Output<boolean>;

  constructor(name: string, args: PhysicalPortAttachmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("PhysicalPortAttachment"),
      name,
      {
        __resourceName: name,
        __owner: ownerLabel(name),
        bridge: args.bridge,
        port: args.port,
        moveAddresses: args.moveAddresses,
        host: args.host,
        portUp: undefined,
        portMacAddress: undefined,
        movedAddresses: undefined,
        movedRoutes: undefined,
        movedTo: undefined,
        preexisting: undefined,
      },
      opts,
      TYPE_MODULE,
      "PhysicalPortAttachment",
    );
  }
}
