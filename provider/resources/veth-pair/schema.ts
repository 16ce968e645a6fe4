import { z } from "zod";
import { hostSchema } from "../common/host-schema";
import { netnsNameSchema, newLinkNameSchema } from "../common/naming";

/** Inputs of a VethPair (built on demand: zod objects must not be captured by serialized closures). */
export function vethPairInputsSchema() {
  return z
    .object({
      /** Name of the first end (1–15 characters). Default: the resource name plus a random suffix. */
      name: newLinkNameSchema(),
      /** Name of the other end (1–15 characters). */
      peerName: newLinkNameSchema(),
      /** Network namespace the other end goes to (default: the same as `host.netns`). */
      peerNetns: netnsNameSchema().optional(),
      /** Both ends administratively up (default true). */
      up: z.boolean().default(true),
      /** Manage a pair that already exists instead of failing; delete then leaves it in place. */
      adopt: z.boolean().default(false),
      /** Where the first end lives (default: the root network namespace). */
      host: hostSchema(),
    })
    .strict();
}

/** Inputs after check. `peerNetns` unset: the peer lives in the same namespace as `name` (`host.netns`). */
export type VethPairInputs = z.infer<ReturnType<typeof vethPairInputsSchema>>;

/** State: every input as observed on the host, plus identity and ownership. */
export interface VethPairState extends Required<Omit<VethPairInputs, "peerNetns">>, Pick<VethPairInputs, "peerNetns"> {
  /** Name of the first end; pass it to PhysicalPortAttachment to enslave it. */
  name: string;
  /** True when both ends are administratively up (as observed). */
  up: boolean;
  /** MAC address of the first end. */
  macAddress: string;
  /** MAC address of the other end. */
  peerMacAddress: string;
  /** Kernel interface index of `name` (in its namespace): tells our link from a later one of the same name. */
  ifindex: number;
  /** Kernel interface index of the other end (in its namespace). */
  peerIfindex: number;
  /** True when this resource created the pair (false when adopted: delete then leaves it). */
  created: boolean;
}
