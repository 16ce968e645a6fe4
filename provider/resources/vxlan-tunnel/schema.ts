import { z } from "zod";
import { ipv4ToNumber, isIpv4 } from "../../host/ip/ipv4";
import { VXLAN_PORT } from "../../host/ip/vxlan-argv";
import { LINK_MTU_MIN } from "../../host/ip/vxlan-mtu";
import { hostSchema } from "../common/host-schema";
import { interfaceNameSchema, newLinkNameSchema } from "../common/naming";
import { portSchema } from "../common/value-schemas";
import { MTU_MAX } from "../bridge/schema";

/** The largest VXLAN Network Identifier (24 bits). */
export const VNI_MAX = 16_777_215;
/** Most remotes one tunnel floods to here (a lab mesh is a handful; a typo could be millions). */
export const MAX_REMOTES = 1024;

/** True for an IPv4 address a host can have: not 0.0.0.0, multicast (224/4), reserved (240/4) or broadcast. Pure. */
export function isUnicastIpv4(s: string): boolean {
  const n = ipv4ToNumber(s);
  return n !== undefined && n !== 0 && n < 0xe0000000;
}

/** A unicast IPv4 address, dotted quad without leading zeros. */
export function unicastIpv4Schema() {
  return z
    .string()
    .refine(isIpv4, "must be an IPv4 address like 10.0.0.1, without leading zeros")
    .refine((s) => !isIpv4(s) || isUnicastIpv4(s), "must be a unicast IPv4 address (not 0.0.0.0, multicast 224.0.0.0/4, or 240.0.0.0/4 and broadcast)");
}

/** Remote underlay addresses: each a unicast IPv4 address, none listed twice. */
export function remotesSchema() {
  return z
    .array(unicastIpv4Schema())
    .max(MAX_REMOTES, `must list at most ${MAX_REMOTES} remotes`)
    .superRefine((list, ctx) => {
      const first = new Map<string, number>();
      list.forEach((r, i) => {
        const j = first.get(r);
        if (j === undefined) first.set(r, i);
        else ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: `duplicates remotes[${j}]` });
      });
    });
}

/** Inputs of a VxlanTunnel (built on demand: zod objects must not be captured by serialized closures). */
export function vxlanTunnelInputsSchema() {
  return z
    .object({
      /** Device name (1–15 characters). Default: the resource name plus a random suffix. */
      name: newLinkNameSchema(),
      /** VXLAN Network Identifier, 1–16777215: the segment; every tunnel of one mesh uses the same. */
      vni: z
        .number({ invalid_type_error: "must be a number" })
        .int("must be a whole number")
        .min(1, `must be from 1 to ${VNI_MAX}`)
        .max(VNI_MAX, `must be from 1 to ${VNI_MAX}`),
      /**
       * This host's underlay IPv4 address: the source of encapsulated packets. A link in `host`'s namespace must hold
       * it (its MTU sets the default `mtu`).
       */
      localAddress: unicastIpv4Schema(),
      /**
       * The other hosts' underlay IPv4 addresses: broadcast and unknown unicast frames are flooded to each. Changed
       * live (flood entries added and removed; the device stays).
       */
      remotes: remotesSchema(),
      /** Bridge the device is enslaved to (e.g. a Bridge's `name` output); it must exist in `host`'s namespace. */
      bridge: interfaceNameSchema(),
      /** UDP port, both ends the same (default 4789, IANA's VXLAN port). */
      port: portSchema().default(VXLAN_PORT),
      /**
       * MTU, 68–65535. Default: the underlay's MTU minus 50 (VXLAN over IPv4), computed when the device is made and
       * kept after. The bridge's MTU is lowered to it when higher (reported in `warnings`).
       */
      mtu: z
        .number({ invalid_type_error: "must be a number" })
        .int("must be a whole number")
        .min(LINK_MTU_MIN, `must be from ${LINK_MTU_MIN} to ${MTU_MAX}`)
        .max(MTU_MAX, `must be from ${LINK_MTU_MIN} to ${MTU_MAX}`)
        .optional(),
      /** Administratively up (default true). */
      up: z.boolean().default(true),
      /**
       * Manage a device that already exists with exactly this VNI, local address and port (and learning off) instead
       * of failing; delete then leaves it in place.
       */
      adopt: z.boolean().default(false),
      /** Where the device lives (default: the root network namespace). */
      host: hostSchema(),
    })
    .strict();
}

/** Inputs after check. */
export type VxlanTunnelInputs = z.infer<ReturnType<typeof vxlanTunnelInputsSchema>>;

/** State: every input as observed on the host, plus identity, ownership and warnings. */
export interface VxlanTunnelState extends Required<VxlanTunnelInputs> {
  /** The device's name. */
  name: string;
  /**
   * The flood entries as observed, in address order: an address, or for an entry someone else made with its own
   * port, VNI or underlay link, e.g. `10.0.0.9 port 5000` (never equal to an input: the next update removes it).
   */
  remotes: string[];
  /** The bridge the device is enslaved to as observed ("" when none). */
  bridge: string;
  /** The device's MTU as observed. */
  mtu: number;
  /** The link holding `localAddress` ("" when none does). */
  underlay: string;
  /** MAC address of the device. */
  macAddress: string;
  /** Kernel interface index: tells our device from a later one of the same name. */
  ifindex: number;
  /** Things that work but may not do what is expected (the bridge's MTU lowered, guests' MTU too big, …). */
  warnings: string[];
  /** True when this resource created the device (false when adopted: delete then leaves it). */
  created: boolean;
}
