import type { Host } from "../host";

/**
 * Tell the LAN that IPv4 addresses now live behind `dev` (gratuitous ARP), so neighbours stop sending to the MAC
 * that held them before. Why: after addresses move between a NIC and a bridge, peers that cached the old MAC
 * would otherwise lose the host until their neighbour entry expires (tens of seconds). Best effort, bounded: it
 * uses busybox's `arping -U` (busybox-static is a prerequisite) and never fails the caller; IPv6 peers re-learn
 * through neighbour unreachability detection.
 */
export async function announceAddresses(host: Host, dev: string, cidrs: readonly string[]): Promise<void> {
  const v4 = [...new Set(cidrs.map((c) => c.split("/")[0]!).filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)))];
  await Promise.all(
    v4.map((addr) =>
      host.exec(["busybox", "arping", "-U", "-q", "-c", "1", "-w", "1", "-I", dev, addr], { timeoutMs: 3000 }).catch(() => undefined),
    ),
  );
}
