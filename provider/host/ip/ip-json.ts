import { z } from "zod";

/** Schemas for `ip -j` answers are built on demand: module-level zod objects must not be captured by serialized closures. */
export function addrInfoSchema() {
  return z
    .object({
      family: z.string(),
      local: z.string(),
      prefixlen: z.number().int(),
      scope: z.string().optional(),
      dynamic: z.boolean().optional(),
      noprefixroute: z.boolean().optional(),
    })
    ;
}

/**
 * One link from `ip -j -d addr show` (or `link show`): only the fields read here are kept (a snapshot of hundreds of
 * links is held by every reader of its generation; the rest of `-d`'s output is dozens of fields per link).
 */
export function linkSchema() {
  return z
    .object({
      ifindex: z.number().int(),
      ifname: z.string(),
      flags: z.array(z.string()).default([]),
      mtu: z.number().int(),
      operstate: z.string().optional(),
      master: z.string().optional(),
      link: z.string().nullable().optional(),
      link_netnsid: z.number().optional(),
      /** The peer's ifindex in its namespace (a veth whose peer is in another namespace). */
      link_index: z.number().int().optional(),
      /** The link group: a number, "default", or a name from /etc/iproute2/group (owner marks use it). */
      group: z.union([z.number(), z.string()]).optional(),
      address: z.string().optional(),
      ifalias: z.string().optional(),
      link_type: z.string().optional(),
      linkinfo: z
        .object({
          info_kind: z.string().optional(),
          info_slave_kind: z.string().optional(),
          info_data: z.record(z.unknown()).optional(),
          info_slave_data: z.record(z.unknown()).optional(),
        })
        
        .optional(),
      addr_info: z.array(addrInfoSchema()).default([]),
    })
    ;
}

/** One route from `ip -j route show`. */
export function routeSchema() {
  return z
    .object({
      dst: z.string(),
      dev: z.string().optional(),
      gateway: z.string().optional(),
      protocol: z.string().optional(),
      scope: z.string().optional(),
      prefsrc: z.string().optional(),
      metric: z.number().optional(),
      type: z.string().optional(),
      table: z.string().optional(),
      flags: z.array(z.string()).default([]),
    })
    .passthrough();
}

export type IpLink = z.infer<ReturnType<typeof linkSchema>>;
export type IpAddr = z.infer<ReturnType<typeof addrInfoSchema>>;
export type IpRoute = z.infer<ReturnType<typeof routeSchema>>;

/** Parse `ip -j` output; an empty answer (no objects) is []. Throws with the offending text when ip's answer is not what we expect. */
export function parseIpJson<T>(text: string, item: z.ZodType<T, z.ZodTypeDef, unknown>, what: string): T[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch (e) {
    throw new Error(`cannot parse ${what} JSON from ip: ${(e as Error).message}: ${trimmed.slice(0, 200)}`);
  }
  // `ip -j addr show` prints {} for links whose details it could not get; drop empty objects.
  const list = z.array(z.unknown()).parse(raw).filter((x) => !(x && typeof x === "object" && Object.keys(x).length === 0));
  const out: T[] = [];
  for (const [i, entry] of list.entries()) {
    const r = item.safeParse(entry);
    if (!r.success) throw new Error(`unexpected ${what} entry #${i} from ip: ${r.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
    out.push(r.data);
  }
  return out;
}

/** `addr/prefix` for an address entry, as users write it (CIDR). */
export function cidrOf(a: IpAddr): string {
  return `${a.local}/${a.prefixlen}`;
}

/** True when the link is administratively up. */
export function isUp(link: IpLink): boolean {
  return link.flags.includes("UP");
}
