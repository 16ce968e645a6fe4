import { z } from "zod";
import { hostSchema } from "../common/host-schema";
import { absolutePathSchema, interfaceNameSchema } from "../common/naming";

/** Inputs of a BridgeAcl (schemas are built on demand: zod objects must not be captured by serialized closures). */
export function bridgeAclInputsSchema() {
  return z
    .object({
      /** Owner tag written into the marker comment (auto: resource name + random suffix). */
      name: z
        .string()
        .min(1, "must not be empty")
        .max(64, "must be at most 64 characters")
        .regex(/^[A-Za-z0-9_.-]+$/, "may contain only letters, digits and _ . - (it is written into a comment line of bridge.conf)"),
      /** Bridge the entry is about (e.g. a Bridge's `name` output), or `all` (allowed, with a warning). */
      bridge: interfaceNameSchema().describe("bridge name, or `all`"),
      /** `allow` (default) or `deny`. qemu-bridge-helper lets any matching deny win over every allow. */
      action: z.enum(["allow", "deny"], { errorMap: () => ({ message: 'must be "allow" or "deny"' }) }).default("allow"),
      /**
       * The ACL file. Default: `/etc/qemu/bridge.conf`, or `/etc/netns/<netns>/qemu/bridge.conf` when
       * `host.netns` is set (the file `ip netns exec` shows the helper as `/etc/qemu/bridge.conf`).
       */
      confPath: absolutePathSchema()
        .refine((s) => !/[ \t\v\f]/.test(s), "must not contain spaces or tabs")
        .refine((s) => !s.endsWith("/"), "must name a file, not a directory")
        .refine((s) => /\.conf$/.test(s), "must name a .conf file (qemu-bridge-helper's bridge.conf, or a file it includes)")
        .optional(),
      /** Where the helper runs: `host.netns` picks the namespace's bridge.conf. */
      host: hostSchema(),
    })
    .strict();
}

/** Inputs after check. */
export type BridgeAclInputs = z.infer<ReturnType<typeof bridgeAclInputsSchema>>;

/** State: inputs as observed plus the resolved file, our exact line and warnings. */
export interface BridgeAclState extends Required<BridgeAclInputs> {
  /** Owner tag in the marker comment above our line. */
  name: string;
  /** The action as it is in the file (refresh shows a hand edit). */
  action: "allow" | "deny";
  /** The file our entry is in (resolved from the input or the default for host.netns). */
  confPath: string;
  /** Our line exactly as it is in the file. */
  line: string;
  /** Reasons the entry may not do what is expected (deny overriding it, `allow all`, helper not setuid …). */
  warnings: string[];
}
