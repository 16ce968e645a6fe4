import { z } from "zod";
import { absolutePathSchema, netnsNameSchema } from "./naming";

/** `host` on every resource: where it lives and where runtime state goes. */
export function hostSchema() {
  return z
    .object({
      netns: netnsNameSchema().optional(),
      stateDir: absolutePathSchema().optional(),
    })
    .strict()
    .default({});
}

export type HostInput = z.infer<ReturnType<typeof hostSchema>>;
