import * as pulumi from "@pulumi/pulumi";
import type { bridgeInputsSchema, BridgeState } from "../provider/resources/bridge/schema";
import type { OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/**
 * Arguments of a {@link Bridge}, derived from the provider's input schema (each property documented there).
 * Optional properties left unset are not managed (the host's value is kept).
 * @interface
 */
export type BridgeArgs = SchemaArgs<typeof bridgeInputsSchema, "name">;

const STATE_KEYS: StateKeys<BridgeState> = {
  name: undefined, addresses: undefined, mtu: undefined, stp: undefined, up: undefined, adopt: undefined,
  host: undefined, macAddress: undefined, ifindex: undefined, created: undefined,
};

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Bridge extends OutputsOf<BridgeState> {}

/**
 * A Linux bridge: the virtual switch VMs' tap devices and physical NICs are enslaved to
 * (`ip link add … type bridge`). Outputs report what the host has, so refresh shows drift.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Bridge extends pulumi.dynamic.Resource {
  constructor(name: string, args: BridgeArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(providerShim("Bridge"), name, resourceProps(name, args, STATE_KEYS), opts, TYPE_MODULE, "Bridge");
  }
}
