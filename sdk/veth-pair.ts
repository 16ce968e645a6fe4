import * as pulumi from "@pulumi/pulumi";
import type { vethPairInputsSchema, VethPairState } from "../provider/resources/veth-pair/schema";
import type { OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/**
 * Arguments of a {@link VethPair}, derived from the provider's input schema (each property documented there).
 * @interface
 */
export type VethPairArgs = SchemaArgs<typeof vethPairInputsSchema, "name">;

const STATE_KEYS: StateKeys<VethPairState> = {
  name: undefined, peerName: undefined, peerNetns: undefined, up: undefined, adopt: undefined, host: undefined, macAddress: undefined, peerMacAddress: undefined, ifindex: undefined, peerIfindex: undefined, created: undefined
};

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface VethPair extends OutputsOf<VethPairState> {}

/**
 * A virtual Ethernet cable: two linked interfaces (`ip link add NAME type veth peer name PEER`), e.g. a
 * port to enslave to a bridge with its other end in another namespace. Deleting it removes both ends.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class VethPair extends pulumi.dynamic.Resource {
  constructor(name: string, args: VethPairArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerShim("VethPair"), name, resourceProps(name, args, STATE_KEYS), opts, TYPE_MODULE, "VethPair");
  }
}
