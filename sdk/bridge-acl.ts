import * as pulumi from "@pulumi/pulumi";
import type { bridgeAclInputsSchema, BridgeAclState } from "../provider/resources/bridge-acl/schema";
import type { OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/**
 * Arguments of a {@link BridgeAcl}, derived from the provider's input schema (each property documented there).
 * @interface
 */
export type BridgeAclArgs = SchemaArgs<typeof bridgeAclInputsSchema, "name">;

const STATE_KEYS: StateKeys<BridgeAclState> = {
  name: undefined, bridge: undefined, action: undefined, confPath: undefined, host: undefined, line: undefined, warnings: undefined
};

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface BridgeAcl extends OutputsOf<BridgeAclState> {}

/**
 * One entry of qemu-bridge-helper's ACL (`allow br0` / `deny br0`), so unprivileged `-netdev bridge`
 * (and `-nic bridge`) may attach to the bridge. Written under a marker comment naming this
 * resource; every other line of the file is kept byte for byte.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class BridgeAcl extends pulumi.dynamic.Resource {
  constructor(name: string, args: BridgeAclArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerShim("BridgeAcl"), name, resourceProps(name, args, STATE_KEYS), opts, TYPE_MODULE, "BridgeAcl");
  }
}
