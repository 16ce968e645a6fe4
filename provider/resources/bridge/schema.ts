import { createHash } from "node:crypto";
import { z } from "zod";
import { addressIdentity, parseCidr } from "../../host/ip/cidr-list";
import { hostSchema, type HostInput } from "../common/host-schema";
import { interfaceNameSchema } from "../common/naming";

/** Linux's MTU limits for a bridge (min_mtu/max_mtu that `ip -d link` reports). */
export const MTU_MIN = 68;
export const MTU_MAX = 65535;
/** Below this the kernel disables IPv6 on a link and drops its IPv6 addresses. */
export const IPV6_MIN_MTU = 1280;

/** One interface address as `ip addr add` takes it: IPv4 or IPv6 CIDR, host bits allowed. */
export function cidrSchema() {
  return z.string().superRefine((s, ctx) => {
    const r = parseCidr(s);
    if ("error" in r) ctx.addIssue({ code: z.ZodIssueCode.custom, message: r.error });
  });
}

/** Addresses of a link: each a CIDR, none the same kernel address as another. */
export function addressListSchema() {
  return z.array(cidrSchema()).superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((text, i) => {
      const c = parseCidr(text);
      if ("error" in c) return; // reported by the element schema
      const key = addressIdentity(c);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [i],
          message:
            c.family === 6
              ? `duplicates addresses[${first}]: an IPv6 address can be on a link only once, whatever the prefix length`
              : `duplicates addresses[${first}]`,
        });
    });
  });
}

/** A unicast MAC address, canonical lower-case. */
export function macAddressSchema() {
  return z
    .string()
    .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, "must be a MAC address like 52:54:00:12:34:56")
    .refine((m) => (parseInt(m.slice(0, 2), 16) & 1) === 0, "must be a unicast address (the first octet's lowest bit clear)")
    .transform((m) => m.toLowerCase());
}

/**
 * A bridge's default MAC, stable per name. Why: a bridge without a set address takes the lowest MAC of its
 * ports, so it changes whenever a VM's tap joins or leaves — neighbours then see the host's address move.
 * libvirt pins its bridges' MACs for the same reason.
 */
export function defaultBridgeMac(name: string): string {
  const h = createHash("sha256").update(`qemu-lab-bridge:${name}`).digest();
  return ["52", "54", "00", ...[h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** Inputs of a Bridge (built on demand: zod objects must not be captured by serialized closures). */
export function bridgeInputsSchema() {
  return z
    .object({
      name: interfaceNameSchema(),
      addresses: addressListSchema().optional(),
      mtu: z
        .number()
        .int("must be a whole number")
        .min(MTU_MIN, `must be from ${MTU_MIN} to ${MTU_MAX} (Linux's MTU range for a bridge)`)
        .max(MTU_MAX, `must be from ${MTU_MIN} to ${MTU_MAX} (Linux's MTU range for a bridge)`)
        .optional(),
      stp: z.boolean().optional(),
      macAddress: macAddressSchema().optional(),
      up: z.boolean().default(true),
      adopt: z.boolean().default(false),
      host: hostSchema(),
    })
    .strict();
}

/**
 * Inputs after check. Optional properties left unset are not managed: the bridge keeps whatever
 * the host has (a new bridge gets the kernel's defaults: MTU 1500, STP off, no addresses).
 */
export type BridgeInputs = z.infer<ReturnType<typeof bridgeInputsSchema>>;

/** State: every input as observed on the host, plus identity and ownership. */
export interface BridgeState {
  name: string;
  /** Observed addresses, canonical and sorted (kernel-made IPv6 link-local left out). */
  addresses: string[];
  mtu: number;
  stp: boolean;
  up: boolean;
  adopt: boolean;
  host: HostInput;
  macAddress: string;
  ifindex: number;
  /** False when adopted: delete then leaves the bridge in place. */
  created: boolean;
}
