import * as pulumi from "@pulumi/pulumi";
import type { networkNamespaceInputsSchema, NetworkNamespaceState } from "../provider/resources/network-namespace/schema";
import type { OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/**
 * Arguments of a {@link NetworkNamespace}, derived from the provider's input schema (each property documented there).
 * @interface
 */
export type NetworkNamespaceArgs = SchemaArgs<typeof networkNamespaceInputsSchema, "name">;

const STATE_KEYS: StateKeys<NetworkNamespaceState> = {
  name: undefined, adopt: undefined, host: undefined, created: undefined
};

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface NetworkNamespace extends OutputsOf<NetworkNamespaceState> {}

/** A Linux network namespace: a sandbox a whole lab can live in (`ip netns add`). Its loopback is brought up. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class NetworkNamespace extends pulumi.dynamic.Resource {
  constructor(name: string, args: NetworkNamespaceArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(providerShim("NetworkNamespace"), name, resourceProps(name, args, STATE_KEYS), opts, TYPE_MODULE, "NetworkNamespace");
  }
}
