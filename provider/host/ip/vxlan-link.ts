import { z } from "zod";
import type { IpLink } from "./ip-json";

/** What identifies a VXLAN device: the kernel will not change its VNI or port in place. */
export interface VxlanInfo {
  vni: number;
  /** Source address of the encapsulated packets; undefined when the device has none. */
  local?: string;
  /** UDP destination port. */
  port: number;
  /** Learning remote MACs from received packets (this package's devices have it off). */
  learning: boolean;
}

/** The `linkinfo.info_data` of a vxlan link in `ip -j -d link` (iproute2 6.1's keys), built on demand. */
export function vxlanInfoDataSchema() {
  return z
    .object({
      id: z.number().int(),
      local: z.string().optional(),
      port: z.number().int(),
      learning: z.boolean(),
    })
    .passthrough();
}

/** True when a link is a VXLAN device (`linkinfo.info_kind` "vxlan"; needs `ip -d`). Pure. */
export function isVxlanLink(link: IpLink | undefined): link is IpLink {
  return link?.linkinfo?.info_kind === "vxlan";
}

/**
 * The VXLAN settings of `link`; undefined when it is not a VXLAN device. Throws naming the link when `ip` reports
 * a VXLAN device without the keys we rely on (another iproute2 would print other JSON). Pure.
 */
export function vxlanInfoOf(link: IpLink): VxlanInfo | undefined {
  if (!isVxlanLink(link)) return undefined;
  const r = vxlanInfoDataSchema().safeParse(link.linkinfo?.info_data ?? {});
  if (!r.success)
    throw new Error(
      `unexpected vxlan details of "${link.ifname}" from ip: ${r.error.issues.map((i) => `${i.path.join(".") || "info_data"}: ${i.message}`).join("; ")}`,
    );
  const info: VxlanInfo = { vni: r.data.id, port: r.data.port, learning: r.data.learning };
  if (r.data.local !== undefined) info.local = r.data.local;
  return info;
}

/** The link holding IPv4 `address` (the tunnel's underlay: its packets leave from there), or undefined. Pure. */
export function linkHoldingAddress(links: readonly IpLink[], address: string): IpLink | undefined {
  return links.find((l) => l.addr_info.some((a) => a.family === "inet" && a.local === address));
}
