/** Linux's limit on interface names (IFNAMSIZ - 1). */
export const IFNAME_MAX = 15;

/** The characters of an interface name this package accepts: printable ASCII without `/`, `:` or whitespace. */
export const IFNAME_CHARS = /^[A-Za-z0-9_.@+-]+$/;

/** True for an interface name: 1–15 of {@link IFNAME_CHARS}, not `.` or `..`. Pure. */
export function isInterfaceName(s: string): boolean {
  return s.length >= 1 && s.length <= IFNAME_MAX && IFNAME_CHARS.test(s) && s !== "." && s !== "..";
}
