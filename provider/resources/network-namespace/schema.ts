import { z } from "zod";
import { netnsNameSchema } from "../common/naming";

/** Inputs of a NetworkNamespace (schemas are built on demand: zod objects must not be captured by serialized closures). */
export function networkNamespaceInputsSchema() {
  return z
    .object({
      name: netnsNameSchema(),
      adopt: z.boolean().default(false),
    })
    .strict();
}

export type NetworkNamespaceInputs = z.infer<ReturnType<typeof networkNamespaceInputsSchema>>;

/** State: inputs plus whether we created it (an adopted namespace is left in place on delete). */
export interface NetworkNamespaceState extends NetworkNamespaceInputs {
  created: boolean;
}
