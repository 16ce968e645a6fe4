import { isIpv4 } from "../ip/ipv4";
import { isMacAddress } from "../ip/mac";
import { isDhcpHostname } from "./dhcp-hostname";
import type { StaticLease } from "./dnsmasq-config";

/** The `dhcp-hostsfile`: `mac,ip[,hostname]` per line, in the order given. Pure. */
export function renderHostsFile(leases: readonly StaticLease[]): string {
  return leases.map((l) => [l.mac, l.ip, ...(l.hostname === undefined ? [] : [l.hostname])].join(",") + "\n").join("");
}

/**
 * The `addn-hosts` file: `ip hostname` for each static lease with a hostname, so the name resolves before the client
 * first asks for its lease (dnsmasq puts a dhcp-host's name in DNS only once it is leased). With `expand-hosts` dnsmasq
 * also answers `hostname.<domain>`. Pure.
 */
export function renderNamesFile(leases: readonly StaticLease[]): string {
  return leases.flatMap((l) => (l.hostname === undefined ? [] : [`${l.ip} ${l.hostname}\n`])).join("");
}

/**
 * Static leases from a `dhcp-hostsfile` as we write it (and as a person might: comments, blank lines, CRLF, `id:` or
 * `set:` fields, lease times (`3600`, `5m`, `2D`, `infinite`) and `ignore` are skipped; a line without a MAC and an
 * IPv4 address is ignored). The hostname is the field dnsmasq reads as one ({@link isDhcpHostname}). MACs lower-case.
 * Pure.
 */
export function parseHostsFile(text: string): StaticLease[] {
  const out: StaticLease[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    const fields = line.split(",").map((f) => f.trim());
    const mac = fields.find((f) => isMacAddress(f));
    const ip = fields.find((f) => isIpv4(f));
    if (!mac || !ip) continue;
    const name = fields.find((f) => f !== mac && f !== ip && isDhcpHostname(f));
    out.push({ mac: mac.toLowerCase(), ip, ...(name === undefined ? {} : { hostname: name }) });
  }
  return out;
}
