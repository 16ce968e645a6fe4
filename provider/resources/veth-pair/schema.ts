import { z } from "zod";
import { hostSchema, type HostInput } from "../common/host-schema";
import { interfaceNameSchema, netnsNameSchema } from "../common/naming";

/** Inputs of a VethPair (built on demand: zod objects must not be captured by serialized closures). */
export function vethPairInputsSchema() {
  return z
    .object({
      name: interfaceNameSchema(),
      peerName: interfaceNameSchema(),
      peerNetns: netnsNameSchema().optional(),
      up: z.boolean().default(true),
      adopt: z.boolean().default(false),
      host: hostSchema(),
    })
    .strict();
}

/** Inputs after check. `peerNetns` unset: the peer lives in the same namespace as `name` (`host.netns`). */
export type VethPairInputs = z.infer<ReturnType<typeof vethPairInputsSchema>>;

/** State: every input as observed on the host, plus identity and ownership. */
export interface VethPairState {
  name: string;
  peerName: string;
  peerNetns?: string;
  /** True when both ends are administratively up. */
  up: boolean;
  adopt: boolean;
  host: HostInput;
  macAddress: string;
  peerMacAddress: string;
  /** Kernel interface index of `name` (in its namespace): tells our link from a later one of the same name. */
  ifindex: number;
  peerIfindex: number;
  /** False when adopted: delete then leaves the pair in place. */
  created: boolean;
}
