import { z } from "zod";
import { absolutePathSchema, netnsNameSchema } from "./naming";

/** `host` on every resource: where it lives and where runtime state goes. */
export function hostSchema() {
  return z
    .object({
      /** Network namespace the resource lives in (e.g. a NetworkNamespace's `name` output). */
      netns: netnsNameSchema().optional(),
      /** Directory for per-resource runtime state (default `/var/lib/qemu-lab`). */
      stateDir: absolutePathSchema().optional(),
    })
    .strict()
    .default({});
}

/** Where a resource lives, after check. */
export type HostInput = z.infer<ReturnType<typeof hostSchema>>;

/** `host` as a program gives it: the SDK's `HostArgs` are derived from this. */
export type HostInputIn = z.input<ReturnType<typeof hostSchema>>;
