import { z } from "zod";
import { netnsNameSchema } from "../common/naming";
import { machineSchema } from "../common/host-schema";

/** Inputs of a NetworkNamespace (schemas are built on demand: zod objects must not be captured by serialized closures). */
export function networkNamespaceInputsSchema() {
  return z
    .object({
      /** Namespace name (a file under /run/netns). Default: the resource name plus a random suffix. */
      name: netnsNameSchema(),
      /** Manage a namespace that already exists instead of failing. */
      adopt: z.boolean().default(false),
      /** The machine the namespace is on (`ssh`); absent: the machine running Pulumi. */
      host: machineSchema(),
    })
    .strict();
}

/** Inputs after check. */
export type NetworkNamespaceInputs = z.infer<ReturnType<typeof networkNamespaceInputsSchema>>;

/** State: inputs plus whether we created it (an adopted namespace is left in place on delete). */
export interface NetworkNamespaceState extends NetworkNamespaceInputs {
  /** True when this resource created the namespace (false when adopted: delete then leaves it). */
  created: boolean;
}
