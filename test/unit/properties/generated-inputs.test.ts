/**
 * Issue 12, generated inputs (fast-check): for every kind, 10,000 inputs mixing plausible and hostile values.
 * `check` never throws and every rejection has a property path and a reason; for every accepted input, what would be
 * sent to the host (ip batch lines and argv, QEMU option strings, HMP commands, bridge.conf lines) parses back — with
 * parsers written here, not the code under test — to exactly the intended values.
 */
import fc from "fast-check";
import { parseCidr } from "../../../provider/host/ip/cidr-list";
import { parseConf, renderConf } from "../../../provider/host/acl/conf-file";
import { parseHelperFile } from "../../../provider/host/acl/helper-parse";
import { upsertEntry } from "../../../provider/host/acl/owned-entries";
import { hostFwdAddCommand } from "../../../provider/host/qemu/hostfwd";
import { buildQemuArgv } from "../../../provider/host/qemu/qemu-argv";
import { vmPaths } from "../../../provider/host/qemu/vm-paths";
import { bridgeAclHandler } from "../../../provider/resources/bridge-acl/lifecycle";
import { bridgeHandler } from "../../../provider/resources/bridge/lifecycle";
import type { CheckResult } from "../../../provider/resources/common/handler";
import { networkNamespaceHandler } from "../../../provider/resources/network-namespace/lifecycle";
import { physicalPortAttachmentHandler } from "../../../provider/resources/physical-port-attachment/lifecycle";
import { portForwardHandler } from "../../../provider/resources/port-forward/lifecycle";
import { qemuVmHandler, specOf } from "../../../provider/resources/qemu-vm/lifecycle";
import type { QemuVmInputs } from "../../../provider/resources/qemu-vm/schema";
import { vethPairHandler } from "../../../provider/resources/veth-pair/lifecycle";
import { dhcpServerHandler, specOf as dhcpSpecOf } from "../../../provider/resources/dhcp-server/lifecycle";
import type { DhcpServerInputs } from "../../../provider/resources/dhcp-server/schema";
import { dhcpPaths } from "../../../provider/host/dnsmasq/dhcp-paths";
import { renderDnsmasqConfig } from "../../../provider/host/dnsmasq/dnsmasq-config";
import { renderHostsFile, renderNamesFile } from "../../../provider/host/dnsmasq/hosts-file";
import { networkNatHandler } from "../../../provider/resources/network-nat/lifecycle";
import { natTableName, planNatTable } from "../../../provider/host/nft/nat-model";
import { renderNatTable } from "../../../provider/host/nft/nat-render";
import { record } from "../../support/reliability";

const RUNS = 10_000;
const SEED = 20261202; // fixed: a failure reproduces; fast-check prints the counterexample

// ---- generators: plausible values, hostile ones, and anything at all ----
const tricky = fc.constantFrom("", " ", "a b", "a\nb", "a,b", "a,,b", "../x", "..", ".", "/", "all", "default", "#x", "'", '"', "\\", "\0", "é", "010", "-x", "a:b", "x".repeat(300));
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: "small" },
  fc.string(),
  tricky,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 2 }),
);
const mix = <T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: anyValue });
const ifname = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,15}$/);
const netns = fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/);
const absPath = fc.oneof(fc.stringMatching(/^(\/[a-z0-9_.,-]{1,12}){1,4}$/), fc.stringMatching(/^\/[^\0\n]{0,30}$/));
const octet = fc.oneof({ weight: 15, arbitrary: fc.integer({ min: 0, max: 255 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom("00", "010", "256", "01") });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
const prefix = fc.oneof(fc.integer({ min: 0, max: 129 }).map(String), fc.constantFrom("024", "08", "00", "", "x"));
const cidr = fc.oneof(fc.tuple(ipv4, prefix).map(([a, p]) => `${a}/${p}`), fc.tuple(fc.ipV6(), prefix).map(([a, p]) => `${a}/${p}`));
const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, "0")).join(":"));
const port = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: -5, max: 70000 }));
const host = fc.record({ netns: mix(netns), stateDir: mix(absPath) }, { requiredKeys: [] });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const kinds = {
  NetworkNamespace: { handler: networkNamespaceHandler, gen: fc.record({ name: mix(netns), adopt: mix(fc.boolean()) }, { requiredKeys: [] }) },
  Bridge: {
    handler: bridgeHandler,
    gen: fc.record(
      { name: mix(ifname), addresses: mix(fc.array(cidr, { maxLength: 4 })), mtu: mix(fc.integer({ min: 0, max: 70000 })), stp: mix(fc.boolean()), macAddress: mix(mac), up: mix(fc.boolean()), adopt: mix(fc.boolean()), host },
      { requiredKeys: [] },
    ),
  },
  BridgeAcl: {
    handler: bridgeAclHandler,
    gen: fc.record({ name: mix(fc.stringMatching(/^[a-z0-9_.-]{1,20}$/)), bridge: mix(ifname), action: mix(fc.constantFrom("allow", "deny")), confPath: mix(absPath.map((p) => `${p}.conf`)), host }, { requiredKeys: [] }),
  },
  PhysicalPortAttachment: { handler: physicalPortAttachmentHandler, gen: fc.record({ bridge: mix(ifname), port: mix(ifname), moveAddresses: mix(fc.boolean()), host }, { requiredKeys: [] }) },
  VethPair: { handler: vethPairHandler, gen: fc.record({ name: mix(ifname), peerName: mix(ifname), peerNetns: mix(netns), up: mix(fc.boolean()), adopt: mix(fc.boolean()), host }, { requiredKeys: [] }) },
  PortForward: {
    handler: portForwardHandler,
    gen: fc.record(
      { vm: mix(fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,20}$/)), netdev: mix(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/)), protocol: mix(fc.constantFrom("tcp", "udp")), hostAddress: mix(ipv4), hostPort: mix(port), guestAddress: mix(ipv4), guestPort: mix(port), adopt: mix(fc.boolean()), host },
      { requiredKeys: [] },
    ),
  },
  NetworkNat: {
    handler: networkNatHandler,
    gen: fc.record(
      {
        name: mix(fc.stringMatching(/^[a-z0-9_-]{1,34}$/)),
        // Networks with the host bits clear (what check accepts), and any CIDR at all.
        sourceCidr: mix(fc.oneof(fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 32 })).map(([n, p]) => `${[24, 16, 8, 0].map((s) => Math.floor((n - (n % 2 ** (32 - p))) / 2 ** s) % 256).join(".")}/${p}`), cidr)),
        outInterface: mix(ifname),
        forwards: mix(fc.array(fc.record({ protocol: mix(fc.constantFrom("tcp", "udp")), hostAddress: opt(mix(ipv4)), hostPort: mix(port), toAddress: mix(ipv4), toPort: mix(port) }, { requiredKeys: ["protocol", "hostPort", "toAddress", "toPort"] }), { maxLength: 4 })),
        host,
      },
      { requiredKeys: [] },
    ),
  },
  DhcpServer: {
    handler: dhcpServerHandler,
    gen: (() => {
      // Mostly addresses of 10.0.0.0/24 (so ranges, routers and leases fit a network), and any dotted quad at all.
      const lanIp = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 254 }).map((n) => `10.0.0.${n}`) }, { weight: 1, arbitrary: fc.constantFrom("10.0.0.0", "10.0.0.255") }, { weight: 1, arbitrary: ipv4 });
      const ordered = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 254 })).map(([a, b]) => ({ start: `10.0.0.${Math.min(a, b)}`, end: `10.0.0.${Math.max(a, b)}` }));
      const label = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}[a-z0-9]$/) }, { weight: 1, arbitrary: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/), fc.constantFrom("3600", "infinite", "ignore", "a-")) });
      const unicastMac = fc.oneof({ weight: 4, arbitrary: mac.map((m) => (parseInt(m.slice(0, 2), 16) & 0xfe).toString(16).padStart(2, "0") + m.slice(2)) }, { weight: 1, arbitrary: mac });
      return fc.record(
        {
          name: mix(fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,20}$/)),
          bridge: mix(ifname),
          network: mix(fc.oneof({ weight: 4, arbitrary: fc.constantFrom("10.0.0.0/24", "10.0.0.1/24", "10.0.0.0/16") }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom("10.0.0.0/31", "10.0.0.0/024", "10.1.0.0/24"), cidr) })),
          range: mix(fc.oneof({ weight: 3, arbitrary: ordered }, { weight: 1, arbitrary: fc.record({ start: mix(lanIp), end: mix(lanIp) }) })),
          leaseTime: mix(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 120, max: 100_000 }) }, { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -1, max: 119 }), fc.constant("infinite"), fc.double()) })),
          router: mix(lanIp),
          dnsDomain: mix(fc.oneof(fc.stringMatching(/^[a-z0-9]{1,8}(\.[a-z0-9]{1,8}){0,2}$/), fc.constantFrom("lab.", "a..b", "-x", "x y"))),
          staticLeases: mix(fc.array(fc.record({ mac: mix(unicastMac), ip: mix(lanIp), hostname: opt(mix(label)) }, { requiredKeys: ["mac", "ip"] }), { maxLength: 4 })),
          host: fc.record({ netns: mix(netns), stateDir: mix(fc.oneof(fc.stringMatching(/^(\/[a-z0-9_-]{1,12}){1,4}$/), absPath)) }, { requiredKeys: [] }),
        },
        { requiredKeys: ["name", "bridge", "range"] },
      );
    })(),
  },
  QemuVm: {
    handler: qemuVmHandler,
    gen: fc.record(
      {
        name: mix(fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,20}$/)),
        memoryMiB: mix(fc.integer({ min: 0, max: 5000 })),
        accel: mix(fc.constantFrom("kvm", "tcg", "auto")),
        machine: mix(fc.constantFrom("q35", "pc", "pc,accel=kvm", "virt")),
        kernel: mix(absPath),
        kernelArgs: mix(fc.string()),
        disks: mix(fc.array(fc.record({ path: mix(absPath), format: opt(mix(fc.constantFrom("qcow2", "raw"))), readOnly: opt(mix(fc.boolean())) }, { requiredKeys: ["path"] }), { maxLength: 2 })),
        cdroms: mix(fc.array(absPath, { maxLength: 2 })),
        nics: mix(
          fc.array(
            fc.oneof(
              fc.record({ type: fc.constant("user"), id: opt(mix(fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/))), mac: opt(mix(mac)), hostForwards: opt(fc.array(fc.record({ protocol: opt(mix(fc.constantFrom("tcp", "udp"))), hostAddress: opt(mix(ipv4)), hostPort: mix(port), guestPort: mix(port) }, { requiredKeys: ["hostPort", "guestPort"] }), { maxLength: 3 })) }, { requiredKeys: ["type"] }),
              fc.record({ type: fc.constant("bridge"), bridge: mix(ifname), helper: opt(mix(absPath)) }, { requiredKeys: ["type", "bridge"] }),
            ),
            { maxLength: 3 },
          ),
        ),
        host,
      },
      { requiredKeys: [] },
    ),
  },
};

// ---- parsers written for the test (independent of the code under test) ----
/** QEMU's option string: `a=b,c=d` where `,,` is a literal comma. */
function parseQemuOpts(s: string): Array<[string, string]> {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "," && s[i + 1] === ",") {
      cur += ",";
      i++;
    } else if (s[i] === ",") {
      parts.push(cur);
      cur = "";
    } else cur += s[i];
  }
  parts.push(cur);
  return parts.map((p) => {
    const eq = p.indexOf("=");
    return eq < 0 ? [p, ""] : [p.slice(0, eq), p.slice(eq + 1)];
  });
}
const optionsAfter = (argv: string[], flag: string) => argv.flatMap((a, i) => (argv[i - 1] === flag ? [parseQemuOpts(a)] : []));
const get = (o: Array<[string, string]>, k: string) => o.find(([key]) => key === k)?.[1];

/** What must parse back from an accepted input's host-side text. */
const roundTrips: Partial<Record<keyof typeof kinds, (i: any) => void>> = {
  Bridge: (i) => {
    // ip -batch lines: whitespace-split tokens (ip's batch syntax), the address token parses to the same address.
    for (const a of i.addresses ?? []) {
      const tokens = `addr add ${a} dev ${i.name}`.split(/\s+/);
      expect(tokens).toHaveLength(5);
      expect(tokens[4]).toBe(i.name);
      expect(parseCidr(tokens[2]!)).toEqual(parseCidr(a));
      expect(tokens[2]).toMatch(/\/(0|[1-9]\d*)$/); // ip reads a zero-padded prefix as octal
    }
  },
  NetworkNamespace: (i) => expect(`netns add ${i.name}`.split(/\s+/)).toEqual(["netns", "add", i.name]),
  VethPair: (i) => expect(`link add ${i.name} type veth peer name ${i.peerName}`.split(/\s+/)).toEqual(["link", "add", i.name, "type", "veth", "peer", "name", i.peerName]),
  PhysicalPortAttachment: (i) => expect(`link set dev ${i.port} master ${i.bridge}`.split(/\s+/)).toEqual(["link", "set", "dev", i.port, "master", i.bridge]),
  BridgeAcl: (i) => {
    const text = renderConf(upsertEntry(parseConf("deny other\n"), `${i.name}.abc123`, i.action, i.bridge));
    const parsed = parseHelperFile(text);
    expect(parsed.error).toBeUndefined();
    const ours = parsed.rules.filter((r) => r.line > 1);
    expect(ours).toEqual([i.bridge === "all" ? { type: `${i.action}-all`, line: 3 } : { type: i.action, bridge: i.bridge, line: 3 }]);
  },
  PortForward: (i) => {
    const fwd = { protocol: i.protocol, hostAddress: i.hostAddress, hostPort: i.hostPort, guestAddress: i.guestAddress, guestPort: i.guestPort };
    const tokens = hostFwdAddCommand(i.netdev, fwd).split(" ");
    expect(tokens.slice(0, 2)).toEqual(["hostfwd_add", i.netdev]);
    const m = /^(tcp|udp):([\d.]+):(\d+)-([\d.]*):(\d+)$/.exec(tokens[2]!);
    expect(tokens).toHaveLength(3);
    expect(m && [m[1], m[2], Number(m[3]), m[4] || undefined, Number(m[5])]).toEqual([i.protocol, i.hostAddress, i.hostPort, i.guestAddress, i.guestPort]);
  },
  NetworkNat: (i) => {
    // The nft file, read line by line with nft's rule grammar for the rules we write (regexes written here).
    const lines = renderNatTable(natTableName(i.name), undefined, planNatTable(i)).split("\n");
    expect(lines.slice(0, 3)).toEqual([`table ip qemu_lab_nat_${i.name}`, `delete table ip qemu_lab_nat_${i.name}`, `table ip qemu_lab_nat_${i.name} {`]);
    const chains: Record<string, string[]> = {};
    let chain = "";
    for (const l of lines.slice(3)) {
      const head = /^\tchain (\w+) \{$/.exec(l);
      if (head) chains[(chain = head[1]!)] = [];
      else if (/^\t\t(?!type )/.test(l)) chains[chain]!.push(l.trim());
    }
    const dnat = (r: string) => {
      const m = /^(?:ip daddr ([\d.]+)|fib daddr type local)( ip daddr != 127\.0\.0\.0\/8)? (tcp|udp) dport (\d+) dnat to ([\d.]+):(\d+)$/.exec(r);
      return m && { protocol: m[3], hostAddress: m[1], hostPort: Number(m[4]), toAddress: m[5], toPort: Number(m[6]), notLoopback: Boolean(m[2]) };
    };
    const want = i.forwards.map((f: any) => ({ protocol: f.protocol, hostAddress: f.hostAddress, hostPort: f.hostPort, toAddress: f.toAddress, toPort: f.toPort }));
    // Every local address but loopback (a connection to 127/8 is never forwarded), on both hooks.
    const local = want.map((f: any) => ({ ...f, notLoopback: f.hostAddress === undefined }));
    expect(chains.prerouting!.map(dnat)).toEqual(local);
    expect(chains.output!.map(dnat)).toEqual(local);
    // libvirt's order: multicast/broadcast left alone, tcp/udp to unprivileged ports, the rest, then hairpin.
    const oif = i.outInterface === undefined ? "" : ` oifname "${i.outInterface}"`;
    const net = i.sourceCidr;
    expect(chains.postrouting).toEqual([
      `ip saddr ${net} ip daddr { 224.0.0.0/24, 255.255.255.255 }${oif} return`,
      `ip saddr ${net} ip daddr != ${net}${oif} meta l4proto { tcp, udp } masquerade to :1024-65535`,
      `ip saddr ${net} ip daddr != ${net}${oif} masquerade`,
      `ip saddr ${net} ip daddr ${net} ct status dnat masquerade`,
    ]);
  },
  DhcpServer: (i: DhcpServerInputs) => {
    // dnsmasq's config: `key[=value]` lines, '#' comments; values split on commas (dnsmasq's syntax, parsed here).
    const conf = renderDnsmasqConfig(dhcpSpecOf(i), dhcpPaths(i.host.stateDir, i.name));
    const opts: Array<[string, string[]]> = conf
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => {
        expect(l).toMatch(/^[a-z-]+(=[^\s#'"]*)?$/); // no whitespace, comment or quote inside an option
        const eq = l.indexOf("=");
        return eq < 0 ? [l, []] : [l.slice(0, eq), l.slice(eq + 1).split(",")];
      });
    const one = (k: string) => opts.filter(([key]) => key === k).map(([, v]) => v);
    expect(one("interface")).toEqual([[i.bridge]]);
    expect(one("dhcp-range")).toEqual([[i.range.start, i.range.end, String(i.leaseTime)]]);
    expect(one("dhcp-option")).toEqual([i.router === undefined ? ["option:router"] : ["option:router", i.router]]);
    expect(one("domain")).toEqual(i.dnsDomain === undefined ? [] : [[i.dnsDomain]]);
    expect(one("local")).toEqual(i.dnsDomain === undefined ? [] : [[`/${i.dnsDomain}/`]]);
    for (const k of ["no-resolv", "no-hosts", "bind-dynamic"]) expect(one(k)).toEqual([[]]);
    expect(one("conf-file")).toEqual([]); // never another config file
    // The hosts files: `mac,ip[,hostname]` and `ip hostname` lines.
    const hosts = renderHostsFile(i.staticLeases).split("\n").filter(Boolean).map((l) => l.split(","));
    expect(hosts).toEqual(i.staticLeases.map((l) => [l.mac, l.ip, ...(l.hostname === undefined ? [] : [l.hostname])]));
    expect(hosts.every((f) => f.every((x) => x !== "" && !/^\d+$/.test(x) && !["infinite", "ignore"].includes(x.toLowerCase())))).toBe(true);
    const names = renderNamesFile(i.staticLeases).split("\n").filter(Boolean).map((l) => l.split(" "));
    expect(names).toEqual(i.staticLeases.filter((l) => l.hostname !== undefined).map((l) => [l.ip, l.hostname]));
  },
  QemuVm: (i: QemuVmInputs) => {
    const argv = buildQemuArgv(specOf(i), vmPaths("/var/lib/qemu-lab", i.name));
    expect(get(parseQemuOpts(argv[argv.indexOf("-name") + 1]!), "guest")).toBe(i.name);
    const netdevs = optionsAfter(argv, "-netdev");
    expect(netdevs.map((o) => get(o, "id"))).toEqual(i.nics.map((n) => n.id));
    i.nics.forEach((n, k) => {
      const o = netdevs[k]!;
      if (n.type === "user") expect(o.filter(([key]) => key === "hostfwd").map(([, v]) => v)).toEqual(n.hostForwards.map((f) => `${f.protocol}:${f.hostAddress}:${f.hostPort}-:${f.guestPort}`));
      else expect([get(o, "br"), get(o, "helper")]).toEqual([n.bridge, n.helper]);
    });
    expect(optionsAfter(argv, "-drive").filter((o) => get(o, "media") !== "cdrom").map((o) => get(o, "file"))).toEqual(i.disks.map((d) => d.path));
    if (i.kernel) expect(argv[argv.indexOf("-kernel") + 1]).toBe(i.kernel);
    if (i.kernelArgs !== undefined) expect(argv.includes("-append") ? argv[argv.indexOf("-append") + 1] : "").toBe(i.kernelArgs); // "" and no -append are alike
  },
};

describe.each(Object.keys(kinds) as (keyof typeof kinds)[])("%s: 10,000 generated inputs", (kind) => {
  test("check never throws; each rejection has a path and a reason; each acceptance round-trips", () => {
    const { handler, gen } = kinds[kind];
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(gen, (news) => {
        let r: CheckResult<unknown>;
        try {
          r = handler.check({}, { ...(news as object), __resourceName: "gen" });
        } catch (e) {
          throw new Error(`check threw: ${String(e)}`);
        }
        if (r.failures.length > 0) {
          rejected++;
          for (const f of r.failures) {
            expect(f.property).toMatch(/^(\(inputs\)|[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*|\[\d+\])*)$/);
            expect(f.reason.trim().length).toBeGreaterThan(5);
          }
          return;
        }
        accepted++;
        roundTrips[kind]?.(r.inputs);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(accepted + rejected).toBe(RUNS);
    expect(accepted).toBeGreaterThan(RUNS / 100); // the generator reaches the accepting paths too (over 100 per kind)
    record({ section: "generated", subject: kind, generated: RUNS, accepted, rejected });
  });
});
