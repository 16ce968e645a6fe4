import { z } from "zod";
import { hostSchema } from "../common/host-schema";
import { interfaceNameSchema } from "../common/naming";
import { ipv4Schema, macAddressSchema } from "../common/value-schemas";
import { isIpv4 } from "../../host/ip/ipv4";
import { SAFE_NAME } from "../../host/safe-name";
import { DNS_LABEL, isDhcpHostname } from "../../host/dnsmasq/dhcp-hostname";
import { confPathProblem, MAX_STATIC_LEASES } from "../../host/dnsmasq/dnsmasq-config";
import type { DhcpLease } from "../../host/dnsmasq/lease-file";
import { ipv4IsHostOf, ipv4NetworkOf, ipv4ToNumber, type Ipv4Network } from "../../host/ip/ipv4";

/** dnsmasq's shortest lease: it raises anything shorter to 2 minutes, so a shorter one is refused rather than changed. */
export const MIN_LEASE_SECONDS = 120;
/** Longest finite lease (dnsmasq keeps lease times as 32-bit numbers); beyond that, "infinite". */
export const MAX_LEASE_SECONDS = 2_147_483_647;
/** Default lease: one hour, as libvirt's networks. */
export const DEFAULT_LEASE_SECONDS = 3600;
/** Most upstream DNS servers (a typo guard; resolv.conf takes 3). */
export const MAX_UPSTREAM_DNS = 8;

/** A unicast host address: IPv4, not 0.x, loopback, multicast or broadcast. */
function hostAddressSchema() {
  return ipv4Schema().refine((s) => {
    const first = Number(s.split(".")[0]);
    return !isIpv4(s) || (first !== 0 && first !== 127 && first < 224); // not IPv4: the first rule says so
  }, "must be a unicast host address (not 0.x.x.x, 127.x.x.x, multicast or broadcast)");
}

/**
 * A DNS label as a hostname: letters, digits and inner hyphens, 1–63 characters. Not a lease time (all digits, or
 * digits and one of s/m/h/d/w in either case: `3600`, `5m`, `2D`) and not `infinite` or `ignore`: dnsmasq's hosts file
 * would read those as a lease time or as "ignore this client".
 */
export function dnsLabelSchema() {
  return z
    .string()
    .regex(DNS_LABEL, "must be a DNS label: 1–63 letters, digits and hyphens, not starting or ending with a hyphen (no dots)")
    .refine(
      (s) => !DNS_LABEL.test(s) || isDhcpHostname(s), // not a label: the rule above says so
      "must not be all digits, a lease time like 5m or 2D, 'infinite' or 'ignore' (dnsmasq would read it as a lease time or a keyword)",
    );
}

/** A DNS domain: dot-separated DNS labels, at most 253 characters, no trailing dot. */
function dnsDomainSchema() {
  return z
    .string()
    .max(253, "must be at most 253 characters")
    .refine((s) => s.split(".").every((l) => DNS_LABEL.test(l)), "must be a DNS domain like lab or lab.example: labels of letters, digits and inner hyphens, separated by single dots, no trailing dot");
}

/** Seconds (120 to 2147483647) or "infinite". */
function leaseTimeSchema() {
  const reason = `must be a whole number of seconds from ${MIN_LEASE_SECONDS} (dnsmasq's minimum) to ${MAX_LEASE_SECONDS}, or "infinite"`;
  return z
    .union([z.literal("infinite"), z.number()], { errorMap: () => ({ message: reason }) })
    .superRefine((v, ctx) => {
      if (typeof v === "number" && !(Number.isInteger(v) && v >= MIN_LEASE_SECONDS && v <= MAX_LEASE_SECONDS)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: reason });
    });
}

const dhcpPrefix = (p: number) => p >= 8 && p <= 30;

/** An IPv4 network for check rules: `192.168.122.0/24` (host bits allowed), prefix 8–30. */
function networkSchema() {
  return z.string().superRefine((s, ctx) => {
    const n = ipv4NetworkOf(s);
    if ("error" in n) ctx.addIssue({ code: z.ZodIssueCode.custom, message: n.error });
    else if (!dhcpPrefix(n.prefix)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: "prefix length must be from 8 to 30 for a DHCP network" });
  });
}

/** An upstream DNS server: an IPv4 address dnsmasq forwards queries to (loopback allowed: a resolver on the host). */
function upstreamDnsSchema() {
  return ipv4Schema().refine((s) => {
    const first = Number(s.split(".")[0]);
    return !isIpv4(s) || (first !== 0 && first < 224); // not IPv4: the first rule says so
  }, "must be a unicast address of a DNS server (not 0.x.x.x, multicast or broadcast)");
}

function staticLeaseSchema() {
  return z
    .object({
      /** The client's MAC address (e.g. a QemuVm NIC's `mac`). */
      mac: macAddressSchema(),
      /** The address it always gets; may lie outside `range`, but in the bridge's network. */
      ip: hostAddressSchema(),
      /** Its name in DNS (`<hostname>` and `<hostname>.<dnsDomain>`), resolvable before it first asks for a lease. */
      hostname: dnsLabelSchema().optional(),
    })
    .strict();
}

/** Inputs of a DhcpServer (built on demand: zod objects must not be captured by serialized closures). */
export function dhcpServerInputsSchema() {
  return z
    .object({
      /** Name of the server: its directory `<host.stateDir>/dhcp/<name>/`. Default: the resource name plus a random suffix. */
      name: z.string().regex(SAFE_NAME, "must be 1–63 characters of letters, digits and _ . -, starting with a letter or digit (it names a directory)"),
      /** The bridge (in `host.netns`) dnsmasq serves DHCP and DNS on, and on no other interface. It needs an IPv4 address in `range`'s network. */
      bridge: interfaceNameSchema(),
      /**
       * The bridge's network, e.g. "192.168.122.0/24" (host bits allowed, prefix 8–30). Optional; when given, check
       * refuses a `range`, `router` or static lease outside it or on its network or broadcast address.
       */
      network: networkSchema().optional(),
      /** Addresses handed out dynamically, `start` to `end` inclusive. */
      range: z
        .object({
          /** First address of the dynamic range. */
          start: hostAddressSchema(),
          /** Last address of the dynamic range (not before `start`). */
          end: hostAddressSchema(),
        })
        .strict(),
      /** Lease length in seconds (at least 120, dnsmasq's minimum) or "infinite"; default 3600. */
      leaseTime: leaseTimeSchema().default(DEFAULT_LEASE_SECONDS),
      /** Default gateway offered to clients (DHCP option 3). Unset: none is offered, so clients get no default route. */
      router: hostAddressSchema().optional(),
      /** DNS domain for the clients' names: `web` also resolves as `web.<dnsDomain>`, and dnsmasq answers that domain only locally. */
      dnsDomain: dnsDomainSchema().optional(),
      /**
       * DNS servers (IPv4 addresses, at most 8) dnsmasq forwards the names it does not know to, in order of preference.
       * Unset or empty: only local names resolve (clients' names, static leases' names, `dnsDomain`); every other
       * name fails, and no query leaves the network. dnsmasq never reads /etc/resolv.conf. A change restarts dnsmasq.
       */
      upstreamDns: z
        .array(upstreamDnsSchema())
        .max(MAX_UPSTREAM_DNS, `must list at most ${MAX_UPSTREAM_DNS} DNS servers`)
        .optional(),
      /** Fixed addresses by MAC; changed live (dnsmasq re-reads them on SIGHUP, keeping its leases and pid). */
      staticLeases: z.array(staticLeaseSchema()).max(MAX_STATIC_LEASES, `must list at most ${MAX_STATIC_LEASES} static leases`).default([]),
      /** Where dnsmasq runs (`netns`, the bridge's namespace) and keeps its files (`stateDir`). */
      host: hostSchema(),
    })
    .strict()
    .superRefine(crossFieldIssues);
}

/** What the cross-field rules read (values may have failed their own checks: zod runs refinements on dirty objects). */
interface CrossFields {
  network?: string;
  range: { start: string; end: string };
  router?: string;
  staticLeases: { mac: string; ip: string; hostname?: string }[];
  upstreamDns?: string[];
  host: { stateDir?: string };
}

/**
 * Rules across fields: range order, duplicates among static leases and upstream servers, the router's address neither
 * in the range nor a static lease, everything inside `network`, a safe stateDir.
 */
function crossFieldIssues(v: CrossFields, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
  const start = ipv4ToNumber(v.range.start);
  const end = ipv4ToNumber(v.range.end);
  if (start !== undefined && end !== undefined && end < start) issue(["range", "end"], `must not precede range.start (${v.range.start})`);

  const macs = new Map<string, number>();
  const ips = new Map<string, number>();
  const names = new Map<string, number>();
  v.staticLeases.forEach((l, i) => {
    for (const [map, key, field] of [[macs, l.mac.toLowerCase(), "mac"], [ips, l.ip, "ip"], [names, l.hostname?.toLowerCase(), "hostname"]] as const) {
      if (key === undefined) continue;
      const first = map.get(key);
      if (first === undefined) map.set(key, i);
      else issue(["staticLeases", i, field], `duplicates staticLeases[${first}].${field}${field === "hostname" ? " (names are case-insensitive)" : ""}`);
    }
  });

  // The router's address belongs to the router: a client leased it would take over the clients' gateway.
  const router = v.router === undefined ? undefined : ipv4ToNumber(v.router);
  if (router !== undefined) {
    if (start !== undefined && end !== undefined && start <= router && router <= end)
      issue(["range", "start"], `range ${v.range.start}–${v.range.end} contains the router's address ${v.router}: a client could be leased the gateway's address; start the range after it or end it before it`);
    v.staticLeases.forEach((l, i) => {
      if (l.ip === v.router) issue(["staticLeases", i, "ip"], `is the router's address (router ${v.router}): the client would take over the gateway's address; give it another address`);
    });
  }

  (v.upstreamDns ?? []).forEach((ip, i, all) => {
    const first = all.indexOf(ip);
    if (first !== i) issue(["upstreamDns", i], `duplicates upstreamDns[${first}]`);
  });

  const net = v.network === undefined ? undefined : ipv4NetworkOf(v.network);
  if (net && !("error" in net) && dhcpPrefix(net.prefix)) {
    const inside = (path: (string | number)[], ip: string | undefined) => {
      if (ip !== undefined && ipv4ToNumber(ip) !== undefined && !ipv4IsHostOf(ip, net)) issue(path, outsideReason(net));
    };
    inside(["range", "start"], v.range.start);
    inside(["range", "end"], v.range.end);
    inside(["router"], v.router);
    v.staticLeases.forEach((l, i) => inside(["staticLeases", i, "ip"], l.ip));
  }
  const stateDir = v.host.stateDir;
  if (stateDir !== undefined) {
    const problem = confPathProblem(stateDir);
    if (problem) issue(["host", "stateDir"], problem);
  }
}

function outsideReason(n: Ipv4Network): string {
  return `must be a host address of network ${n.network}/${n.prefix} (inside it, and not its network or broadcast address)`;
}

/** Inputs after check. */
export type DhcpServerInputs = z.infer<ReturnType<typeof dhcpServerInputsSchema>>;

/** State: the inputs (static leases as the hosts file has them), plus what dnsmasq reports. */
export interface DhcpServerState extends DhcpServerInputs {
  /**
   * Leases in dnsmasq's lease file: `{ mac, ip, hostname?, expiresAt }`, `expiresAt` in seconds since the epoch (UTC),
   * 0 for an infinite lease (as dnsmasq writes it).
   */
  leases: DhcpLease[];
  /** dnsmasq's process id while it runs. */
  pid?: number;
  /** Path of the lease file; absent when the file is missing (refresh shows that as drift; `up` recreates it). */
  leaseFile?: string;
  /**
   * "running" while our dnsmasq lives; "stopped" otherwise (the next `up` starts it again, keeping the leases). A design
   * choice: refresh never reports a DhcpServer as gone, even when its process and its whole directory are: it reads as
   * "stopped" and the next `up` restarts it (an update, not a create), so a server deleted by hand comes back.
   */
  status: "running" | "stopped";
}
