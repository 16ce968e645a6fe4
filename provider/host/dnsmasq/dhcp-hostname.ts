/** A DNS label: 1–63 letters, digits and hyphens, not starting or ending with a hyphen. */
export const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * True when dnsmasq's `dhcp-host` (and so our hosts file) reads `field` as a lease time rather than a hostname: all
 * digits with an optional unit `s`, `m`, `h`, `d` or `w` in either case (`3600`, `5m`, `2D`), or `infinite` (option.c
 * strips a trailing unit letter and takes an all-digit rest as seconds). Pure.
 */
export function readsAsLeaseTime(field: string): boolean {
  return /^\d+[smhdw]?$/i.test(field) || field.toLowerCase() === "infinite";
}

/** `dhcp-host` keywords that are not names: `ignore` (never answer this client), `infinite` (a lease time). */
const DHCP_HOST_KEYWORDS = ["ignore", "infinite"];

/**
 * True when dnsmasq's `dhcp-host` reads `field` as the client's hostname: a DNS label that is neither a lease time nor
 * a keyword. One rule for check (hostnames we write) and the hosts-file parser (names we read back). Pure.
 */
export function isDhcpHostname(field: string): boolean {
  return DNS_LABEL.test(field) && !readsAsLeaseTime(field) && !DHCP_HOST_KEYWORDS.includes(field.toLowerCase());
}
