import { z } from "zod";
import { isIpv4 } from "../../host/ip/ipv4";
import { isMacAddress } from "../../host/ip/mac";
import { isUnicastMac } from "../../host/qemu/mac-address";
import { VM_NAME } from "../../host/qemu/vm-paths";

/** A TCP/UDP port: a whole number from 1 to 65535. */
export function portSchema() {
  return z
    .number({ invalid_type_error: "must be a port number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 65535")
    .max(65535, "must be between 1 and 65535");
}

/** A dotted-quad IPv4 address without leading zeros (what QEMU's slirp takes); `0.0.0.0` means every address. */
export function ipv4Schema() {
  return z.string().refine(isIpv4, "must be an IPv4 address like 127.0.0.1, without leading zeros (0.0.0.0 for every address)");
}

/**
 * The one default listen address of a host forward, inline (`QemuVm` NICs) or a `PortForward`: loopback, so a guest's
 * port is not opened to the network unless asked (`0.0.0.0`, the seed's `hostfwd=tcp::2222-:22`).
 */
export const DEFAULT_FORWARD_ADDRESS = "127.0.0.1";

/** A unicast MAC address, canonical lower-case. */
export function macAddressSchema() {
  return z
    .string()
    .refine(isMacAddress, "must be a MAC address like 52:54:00:12:34:56")
    .refine(isUnicastMac, "must be a unicast address (the first octet's lowest bit clear), e.g. 52:54:00:…")
    .transform((m) => m.toLowerCase());
}

/** A QemuVm name: QEMU's `-name` and a directory under stateDir, so no path can escape and no comma. */
export function vmNameSchema() {
  return z
    .string({ required_error: "is required: a QemuVm's name" })
    .regex(
      VM_NAME,
      "must be 1–63 characters of letters, digits and _ . -, starting with a letter or digit (so never '.' or '..': it names a directory)",
    );
}
