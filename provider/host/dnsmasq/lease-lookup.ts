import type { HostFiles } from "../files/types";
import { SAFE_NAME } from "../safe-name";
import { dhcpPaths, dhcpRoot } from "./dhcp-paths";
import { parseHostsFile } from "./hosts-file";
import { leaseCurrent, parseLeaseFile } from "./lease-file";

/**
 * Every address a MAC has from the DhcpServers under `stateDir`: each server's static leases (its hosts file) first, then
 * its current leases (its lease file; expired ones skipped), without repeats. Keys are lower-case MACs. Reads only; a
 * missing `<stateDir>/dhcp` or file is no addresses. For QemuVm's `ipAddresses`.
 */
export async function addressesByMac(files: HostFiles, stateDir: string, nowMs: number = Date.now()): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const add = (mac: string, ip: string) => {
    const list = out.get(mac) ?? [];
    if (!list.includes(ip)) list.push(ip);
    out.set(mac, list);
  };
  const names = ((await files.listDir?.(dhcpRoot(stateDir))) ?? []).filter((n) => SAFE_NAME.test(n)).sort();
  const now = Math.floor(nowMs / 1000);
  for (const name of names) {
    const paths = dhcpPaths(stateDir, name);
    const [hosts, leases] = await Promise.all([
      files.readText(paths.hostsFile, { noFollow: true }).catch(() => undefined),
      files.readText(paths.leaseFile, { noFollow: true }).catch(() => undefined),
    ]);
    for (const s of parseHostsFile(hosts ?? "")) add(s.mac, s.ip);
    for (const l of parseLeaseFile(leases ?? "")) if (leaseCurrent(l, now)) add(l.mac, l.ip);
  }
  return out;
}
