import { createHash } from "node:crypto";
import { z } from "zod";
import { addressIdentity, parseCidr } from "../../host/ip/cidr-list";
import { hostSchema } from "../common/host-schema";
import { newLinkNameSchema } from "../common/naming";
import { macAddressSchema } from "../common/value-schemas";

/** Linux's MTU limits for a bridge (min_mtu/max_mtu that `ip -d link` reports). */
export const MTU_MIN = 68;
export const MTU_MAX = 65535;
/** Most addresses one link may be given here (the kernel takes more; a lab never needs them, a typo might). */
export const MAX_ADDRESSES = 256;
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
  return z.array(cidrSchema()).max(MAX_ADDRESSES, `must list at most ${MAX_ADDRESSES} addresses`).superRefine((list, ctx) => {
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
      /** Interface name (1–15 characters). Default: the resource name plus a random suffix. */
      name: newLinkNameSchema(),
      /**
       * Addresses of the bridge as CIDRs (IPv4 and IPv6, host bits allowed: `10.0.0.1/24`, `fd00::1/64`).
       * When set, it is the exact set: addresses not listed are removed. Kernel-made IPv6 link-local
       * addresses are ignored.
       */
      addresses: addressListSchema().optional(),
      /** MTU, 68–65535 (at least 1280 with IPv6 addresses). Kept when ports with another MTU join. */
      mtu: z
        .number()
        .int("must be a whole number")
        .min(MTU_MIN, `must be from ${MTU_MIN} to ${MTU_MAX} (Linux's MTU range for a bridge)`)
        .max(MTU_MAX, `must be from ${MTU_MIN} to ${MTU_MAX} (Linux's MTU range for a bridge)`)
        .optional(),
      /** Spanning Tree Protocol on or off (a new bridge has it off). */
      stp: z.boolean().optional(),
      /**
       * The bridge's MAC address. Default for a bridge this resource creates: a stable address derived from the name
       * (52:54:00:…), so the bridge's MAC does not follow its ports as VMs come and go. Unset on an adopted bridge: kept.
       */
      macAddress: macAddressSchema().optional(),
      /**
       * Administratively up (default true). The kernel drops IPv6 addresses when a link goes down; when
       * this resource sets it down it re-adds them (they stay while down). After a down by hand, refresh + up repairs it.
       */
      up: z.boolean().default(true),
      /** Manage a bridge that already exists instead of failing; delete then leaves it in place. */
      adopt: z.boolean().default(false),
      /** Where the bridge lives (default: the root network namespace). */
      host: hostSchema(),
    })
    .strict();
}

/**
 * Inputs after check. Optional properties left unset are not managed: the bridge keeps whatever
 * the host has (a new bridge gets the kernel's defaults: MTU 1500, STP off, no addresses).
 */
export type BridgeInputs = z.infer<ReturnType<typeof bridgeInputsSchema>>;

/** State: every input as observed on the host, plus identity and ownership. The SDK's outputs are derived from it. */
export interface BridgeState extends Required<BridgeInputs> {
  /** The interface name; pass it to BridgeAcl, PhysicalPortAttachment and QemuVm NICs. */
  name: string;
  /** Addresses on the bridge as observed: canonical CIDRs, IPv4 first, in numeric order (kernel-made IPv6 link-local left out). */
  addresses: string[];
  /** The kernel's interface index. */
  ifindex: number;
  /** True when this resource created the bridge (false when adopted: delete then leaves it). */
  created: boolean;
}
