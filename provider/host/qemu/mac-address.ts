import { createHash } from "node:crypto";

/**
 * A stable MAC for NIC `index` of VM `vmName`: QEMU's locally administered unicast prefix 52:54:00
 * plus three bytes of sha256(name/index), so re-creating the VM keeps its DHCP leases. Pure.
 */
export function stableMac(vmName: string, index: number): string {
  const h = createHash("sha256").update(`${vmName}/${index}`).digest();
  return ["52", "54", "00", ...[h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** True for a unicast MAC (least significant bit of the first octet clear); expects `aa:bb:..` form. */
export function isUnicastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0;
}
