import { randomBytes } from "node:crypto";
import { z } from "zod";
import { IFNAME_CHARS, IFNAME_MAX } from "../../host/ip/ifname";

/** Linux's limit on a path (PATH_MAX, with its NUL). */
export const PATH_MAX = 4095;

// Defined in the host layer (nft and ip use it too); kept here for the resources that import it from naming.
export { IFNAME_MAX };

/** Interface names: 1–15 chars, none of `/`, `:`, whitespace, newline; not `.`/`..`; printable ASCII only. */
export function interfaceNameSchema() {
  return z
    .string()
    .min(1, "must not be empty")
    .max(IFNAME_MAX, `must be at most ${IFNAME_MAX} characters (Linux's interface name limit)`)
    .regex(IFNAME_CHARS, "may contain only letters, digits and _ . @ + - (no '/', ':', whitespace or newline)")
    .refine((s) => s !== "." && s !== "..", "must not be '.' or '..'");
}

/** Names iproute2 and the kernel give a meaning of their own (`ip link ... dev all`, `default`): never a link we create. */
const RESERVED_LINK_NAMES = new Set(["all", "default"]);

/** The name of a link this package creates (a bridge, a veth end): an interface name that is not reserved. */
export function newLinkNameSchema() {
  return interfaceNameSchema().refine((s) => !RESERVED_LINK_NAMES.has(s), (s) => ({ message: `"${s}" is reserved (ip and the kernel read it as every device or the default): choose another name` }));
}

/** Network namespace names: a file name under /run/netns. */
export function netnsNameSchema() {
  return z
    .string()
    .min(1, "must not be empty")
    .max(64, "must be at most 64 characters")
    .regex(/^[A-Za-z0-9_.-]+$/, "may contain only letters, digits and _ . - (it is a file name under /run/netns)")
    .refine((s) => s !== "." && s !== "..", "must not be '.' or '..'");
}

/** Absolute paths without NUL/newline or `..` segments. */
export function absolutePathSchema() {
  return z
    .string()
    .max(PATH_MAX, `must be at most ${PATH_MAX} characters (Linux's PATH_MAX)`)
    .regex(/^\//, "must be an absolute path")
    .refine((s) => !/[\0\n\r]/.test(s), "must not contain NUL or newline")
    .refine((s) => !s.split("/").includes(".."), "must not contain '..' segments");
}

/**
 * Pulumi-style auto-name: the resource name (sanitized, truncated) plus a short random suffix,
 * fitting `max` characters. Stable across updates because check reuses the old name.
 */
export function autoName(resourceName: string, max = IFNAME_MAX, suffixLen = 5): string {
  const clean = resourceName.replace(/[^A-Za-z0-9_-]/g, "-").replace(/^-+/, "") || "r";
  const base = clean.slice(0, Math.max(1, max - suffixLen - 1));
  const suffix = randomBytes(8).toString("hex").slice(0, suffixLen);
  return `${base}-${suffix}`;
}

/**
 * The physical name for check: explicit `name`, else the previous auto-name, else a new one from
 * the SDK-provided resource name (`__resourceName`).
 */
export function resolveName(news: Record<string, unknown>, olds: Record<string, unknown>, max = IFNAME_MAX): unknown {
  if (news.name !== undefined) return news.name;
  if (typeof olds.name === "string" && olds.__autoNamed === true) return olds.name;
  const base = typeof news.__resourceName === "string" ? news.__resourceName : "lab";
  return autoName(base, max);
}
