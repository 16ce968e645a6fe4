/** A MAC address as `ip`, QEMU and dnsmasq write it: six hex pairs separated by colons. */
const MAC_ADDRESS = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** True for `52:54:00:12:34:56` (either case). Pure. */
export function isMacAddress(s: string): boolean {
  return MAC_ADDRESS.test(s);
}
