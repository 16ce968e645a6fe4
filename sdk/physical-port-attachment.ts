import * as pulumi from "@pulumi/pulumi";
import type { physicalPortAttachmentInputsSchema, PhysicalPortAttachmentState } from "../provider/resources/physical-port-attachment/schema";
import type { OutputsOf, SchemaArgs, StateKeys } from "./resource-types";
import { providerShim, resourceProps, TYPE_MODULE } from "./shim";

/**
 * A recorded route, moved from the port to the bridge.
 * @interface
 */
export type MovedRoute = PhysicalPortAttachmentState["movedRoutes"][number];

/**
 * Arguments of a {@link PhysicalPortAttachment}, derived from the provider's input schema (each property documented there).
 * @interface
 */
export type PhysicalPortAttachmentArgs = SchemaArgs<typeof physicalPortAttachmentInputsSchema>;

const STATE_KEYS: StateKeys<PhysicalPortAttachmentState> = {
  bridge: undefined, port: undefined, moveAddresses: undefined, host: undefined, portUp: undefined, portMacAddress: undefined, movedAddresses: undefined, movedRoutes: undefined, movedTo: undefined, preexisting: undefined
};

// Why the merge: the outputs are declared once, as the provider's state type, and appear on the class from it.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface PhysicalPortAttachment extends OutputsOf<PhysicalPortAttachmentState> {}

/**
 * A physical NIC enslaved to a bridge: the seed's `ip link set eno1 up; ip link set eno1 master virbr0`.
 * On delete the port is released (`nomaster`), stays up, and gets back what was moved.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class PhysicalPortAttachment extends pulumi.dynamic.Resource {
  constructor(name: string, args: PhysicalPortAttachmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerShim("PhysicalPortAttachment"), name, resourceProps(name, args, STATE_KEYS), opts, TYPE_MODULE, "PhysicalPortAttachment");
  }
}
