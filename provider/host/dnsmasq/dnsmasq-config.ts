import { ipv4ToNumber } from "../ip/ipv4";
import type { DhcpPaths } from "./dhcp-paths";

/** The dnsmasq binary (Debian's dnsmasq-base), found on PATH. */
export const DNSMASQ_BINARY = "dnsmasq";

/**
 * The user dnsmasq drops root privileges to after it has bound its sockets, opened the lease file and written its
 * pidfile. Named explicitly (the compiled-in default differs between builds: `nobody` on Debian's dnsmasq-base) so a
 * shared `nobody` never owns our pidfile and log; dnsmasq-base's postinst creates this user.
 */
export const DNSMASQ_USER = "dnsmasq";

/** Most static leases one server takes (a typo guard; dnsmasq takes more). */
export const MAX_STATIC_LEASES = 4096;

/** A static lease: this MAC always gets this address (and, with a hostname, that name in DNS). */
export interface StaticLease {
  mac: string;
  ip: string;
  hostname?: string;
}

/** What a DhcpServer's dnsmasq is started with (validated by check). */
export interface DhcpSpec {
  name: string;
  /** The one interface dnsmasq serves (DHCP and DNS). */
  bridge: string;
  range: { start: string; end: string };
  /** Seconds (at least 120, dnsmasq's minimum) or "infinite". */
  leaseTime: number | "infinite";
  /** Default gateway handed to clients; absent: no router option (clients get no default route). */
  router?: string;
  /** DNS domain of the clients' names (`web` is also `web.<dnsDomain>`). */
  dnsDomain?: string;
  staticLeases: readonly StaticLease[];
  /** Upstream DNS servers (IPv4) for names dnsmasq does not answer itself; empty: only local names resolve. */
  upstreamDns?: readonly string[];
}

/** Characters a path may have to be written unquoted into dnsmasq's config (no space, comma, `#`, quote). */
const CONF_SAFE_PATH = /^[A-Za-z0-9_./+@-]+$/;

/** Why `stateDir` cannot hold a dnsmasq config's paths, or undefined. Pure. */
export function confPathProblem(stateDir: string): string | undefined {
  return CONF_SAFE_PATH.test(stateDir)
    ? undefined
    : "may contain only letters, digits and _ . / + @ - for a DhcpServer: dnsmasq's config file syntax would split or comment out a path with spaces, commas, '#' or quotes";
}

/** argv that starts our dnsmasq: everything else is in our own config file, which replaces /etc/dnsmasq.conf. Pure. */
export function dnsmasqArgv(paths: DhcpPaths): string[] {
  return [DNSMASQ_BINARY, `--conf-file=${paths.confFile}`];
}

/**
 * Our dnsmasq's whole configuration, one option per line. Pure; tested with exact tables.
 * - Bound to `bridge` only (`interface`, `bind-dynamic`, which also follows address changes; `except-interface=lo`).
 * - No /etc/resolv.conf (`no-resolv`), no /etc/hosts (`no-hosts`): it answers for its clients' names (static leases'
 *   names come from our own `addn-hosts` file so they resolve before first use) and forwards other names only to the
 *   `upstreamDns` servers given (`server=`); without any, other names do not resolve and no query leaves the network.
 * - `dhcp-lease-max`: the range's size plus room for every static lease check allows (dnsmasq's default of 1000 is
 *   smaller than a /16 range). libvirt adds the static leases' count; the limit here keeps static-lease changes live
 *   (no config change, no restart), and a limit above the leases actually held costs nothing.
 * - No `log-dhcp`: it logs every packet and the log is never rotated.
 * - `dhcp-authoritative`: the only DHCP server on that bridge, so clients renewing a lease it forgot (a lease file
 *   deleted by hand) are answered at once instead of waiting out their lease.
 */
export function renderDnsmasqConfig(spec: DhcpSpec, paths: DhcpPaths, owner?: string): string {
  for (const p of Object.values(paths)) if (!CONF_SAFE_PATH.test(p)) throw new Error(`path ${JSON.stringify(p)} cannot be written into dnsmasq's config`);
  const lines = [
    `# pulumi-qemu-lab DhcpServer "${spec.name}": generated and rewritten on every change; do not edit`,
    ...(owner === undefined ? [] : [`# owner: ${owner}`]),
    `user=${DNSMASQ_USER}`,
    `interface=${spec.bridge}`,
    "except-interface=lo",
    "bind-dynamic",
    "no-resolv",
    "no-hosts",
    `pid-file=${paths.pidFile}`,
    `dhcp-leasefile=${paths.leaseFile}`,
    `dhcp-hostsfile=${paths.hostsFile}`,
    `addn-hosts=${paths.namesFile}`,
    `log-facility=${paths.logFile}`,
    "dhcp-authoritative",
    `dhcp-range=${spec.range.start},${spec.range.end},${spec.leaseTime}`,
    `dhcp-lease-max=${rangeSize(spec.range) + MAX_STATIC_LEASES}`,
    // An empty router option tells clients there is none (dnsmasq would otherwise offer its own address).
    spec.router === undefined ? "dhcp-option=option:router" : `dhcp-option=option:router,${spec.router}`,
    ...(spec.dnsDomain === undefined ? [] : [`domain=${spec.dnsDomain}`, `local=/${spec.dnsDomain}/`, "expand-hosts"]),
    ...(spec.upstreamDns ?? []).map((ip) => `server=${ip}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** How many addresses `start`–`end` holds (inclusive). Pure. */
function rangeSize(range: { start: string; end: string }): number {
  const start = ipv4ToNumber(range.start);
  const end = ipv4ToNumber(range.end);
  if (start === undefined || end === undefined || end < start) throw new Error(`invalid DHCP range ${range.start}–${range.end}`);
  return end - start + 1;
}

/** The owner label a config carries (`# owner: …`), if any. Pure. */
export function ownerOfConfig(text: string): string | undefined {
  return /^# owner: (\S+)$/m.exec(text)?.[1];
}
