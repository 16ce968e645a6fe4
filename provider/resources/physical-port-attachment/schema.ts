import { z } from "zod";
import { hostSchema } from "../common/host-schema";
import { interfaceNameSchema } from "../common/naming";
import { movedRouteSchema, type MovedRoute } from "../../host/ip/route-ops";

/** Inputs of a PhysicalPortAttachment (schemas are built on demand: zod objects must not be captured by serialized closures). */
export function physicalPortAttachmentInputsSchema() {
  return z
    .object({
      /** The bridge to enslave the port to (e.g. a Bridge's `name` output, so the bridge is created first). */
      bridge: z.string({ required_error: "required: the bridge to enslave the port to (e.g. a Bridge resource's `name` output)" }).pipe(interfaceNameSchema()),
      /** The interface to enslave, e.g. `eno1`. It must exist and not be on another bridge. */
      port: z.string({ required_error: "required: the interface to enslave, e.g. `eno1` (see `ip link show`)" }).pipe(interfaceNameSchema()),
      /**
       * Move the port's addresses and the routes through it (default route included) to the bridge,
       * so the host stays reachable once the port is a bridge port; delete gives them back. Turning it
       * off on an attached port gives them back too (an enslaved port cannot use them). Default false.
       * Leave the Bridge's `addresses` unset (or list the moved ones): a set `addresses` is exact and
       * would remove them.
       */
      moveAddresses: z.boolean().default(false),
      /** Where the port and bridge live (default: the root network namespace). */
      host: hostSchema(),
    })
    .strict()
    .superRefine((v, ctx) => {
      if (v.port === v.bridge)
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["port"], message: `must differ from bridge ("${v.bridge}"): a bridge cannot be its own port` });
    });
}

/** Inputs after check. */
export type PhysicalPortAttachmentInputs = z.infer<ReturnType<typeof physicalPortAttachmentInputsSchema>>;

/** What was moved from the port, as recorded in state; validated before it reaches a command line. */
export function movedStateSchema() {
  return z.object({
    movedTo: z.union([interfaceNameSchema(), z.literal("")]).default(""),
    movedAddresses: z.array(z.string().regex(/^[0-9A-Fa-f.:]+\/\d{1,3}$/, "must be address/prefix")).default([]),
    movedRoutes: z.array(movedRouteSchema()).default([]),
  });
}

export type MovedState = z.infer<ReturnType<typeof movedStateSchema>>;

/** State: inputs as observed plus what we did, so delete can undo it even after a provider restart. */
export interface PhysicalPortAttachmentState extends PhysicalPortAttachmentInputs {
  /** The port's actual master ("" when it was released outside Pulumi: the next `up` re-enslaves it). */
  bridge: string;
  /** The port is administratively up. */
  portUp: boolean;
  /** The port's MAC address. */
  portMacAddress: string;
  /** Addresses (CIDR) we moved from the port to `movedTo`. */
  movedAddresses: string[];
  /** Routes we moved from the port to `movedTo`. */
  movedRoutes: MovedRoute[];
  /** The bridge holding what we moved ("" when nothing is moved). */
  movedTo: string;
  /** The port was already on this bridge at create: delete leaves it enslaved (we did not enslave it). */
  preexisting: boolean;
}
