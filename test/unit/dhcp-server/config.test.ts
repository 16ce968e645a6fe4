import { dhcpPaths } from "../../../provider/host/dnsmasq/dhcp-paths";
import { dnsmasqArgv, ownerOfConfig, renderDnsmasqConfig, type DhcpSpec } from "../../../provider/host/dnsmasq/dnsmasq-config";
import { parseHostsFile, renderHostsFile, renderNamesFile } from "../../../provider/host/dnsmasq/hosts-file";

const paths = dhcpPaths("/var/lib/qemu-lab", "lab-dhcp");
const base: DhcpSpec = { name: "lab-dhcp", bridge: "br0", range: { start: "10.0.0.100", end: "10.0.0.199" }, leaseTime: 3600, staticLeases: [] };
const D = "/var/lib/qemu-lab/dhcp/lab-dhcp";
const COMMON = [
  "user=dnsmasq",
  "interface=br0",
  "except-interface=lo",
  "bind-dynamic",
  "no-resolv",
  "no-hosts",
  `pid-file=${D}/dnsmasq.pid`,
  `dhcp-leasefile=${D}/leases`,
  `dhcp-hostsfile=${D}/hosts`,
  `addn-hosts=${D}/names`,
  `log-facility=${D}/dnsmasq.log`,
  "dhcp-authoritative",
];
/** The range and its lease limit: 100 addresses plus room for the most static leases check allows (4096). */
const RANGE = (lease: string | number) => [`dhcp-range=10.0.0.100,10.0.0.199,${lease}`, "dhcp-lease-max=4196"];
const HEADER = '# pulumi-qemu-lab DhcpServer "lab-dhcp": generated and rewritten on every change; do not edit';

describe("dnsmasq config and argv", () => {
  test("paths: everything under <stateDir>/dhcp/<name>/; a name or stateDir that could escape is refused", () => {
    expect(paths).toEqual({
      dir: D, confFile: `${D}/dnsmasq.conf`, pidFile: `${D}/dnsmasq.pid`, leaseFile: `${D}/leases`, hostsFile: `${D}/hosts`, namesFile: `${D}/names`, logFile: `${D}/dnsmasq.log`,
    });
    expect(dhcpPaths(undefined, "x").dir).toBe("/var/lib/qemu-lab/dhcp/x");
    expect(() => dhcpPaths("/s", "..")).toThrow(/invalid DhcpServer name/);
    expect(() => dhcpPaths("/s", "a/b")).toThrow(/invalid DhcpServer name/);
    expect(() => dhcpPaths("/s/../etc", "a")).toThrow(/invalid stateDir/);
  });

  test("argv: only our own config file (which replaces /etc/dnsmasq.conf)", () => {
    expect(dnsmasqArgv(paths)).toEqual(["dnsmasq", `--conf-file=${D}/dnsmasq.conf`]);
  });

  test.each<[string, Partial<DhcpSpec>, string | undefined, string[]]>([
    ["defaults: no router offered, no domain, no upstream DNS", {}, undefined, [HEADER, ...COMMON, ...RANGE(3600), "dhcp-option=option:router"]],
    ["router, infinite leases", { router: "10.0.0.1", leaseTime: "infinite" }, undefined, [HEADER, ...COMMON, ...RANGE("infinite"), "dhcp-option=option:router,10.0.0.1"]],
    [
      "lease limit: the range's size plus the static-lease limit, whatever the static leases (a /16 range is over dnsmasq's default of 1000)",
      { range: { start: "10.0.0.2", end: "10.0.255.254" }, staticLeases: [{ mac: "52:54:00:00:00:01", ip: "10.0.0.1" }, { mac: "52:54:00:00:00:02", ip: "10.0.0.5" }] },
      undefined,
      [HEADER, ...COMMON, "dhcp-range=10.0.0.2,10.0.255.254,3600", "dhcp-lease-max=69629", "dhcp-option=option:router"],
    ],
    ["a one-address range", { range: { start: "10.0.0.7", end: "10.0.0.7" } }, undefined, [HEADER, ...COMMON, "dhcp-range=10.0.0.7,10.0.0.7,3600", "dhcp-lease-max=4097", "dhcp-option=option:router"]],
    [
      "upstream DNS: one server= line each, in order (still no resolv.conf)",
      { upstreamDns: ["9.9.9.9", "1.1.1.1"], dnsDomain: "lab" },
      undefined,
      [HEADER, ...COMMON, ...RANGE(3600), "dhcp-option=option:router", "domain=lab", "local=/lab/", "expand-hosts", "server=9.9.9.9", "server=1.1.1.1"],
    ],
    ["empty upstream list: no server line", { upstreamDns: [] }, undefined, [HEADER, ...COMMON, ...RANGE(3600), "dhcp-option=option:router"]],
    [
      "dns domain: answered locally only, hosts expanded",
      { dnsDomain: "lab.example", leaseTime: 120, bridge: "virbr1" },
      undefined,
      [HEADER, ...COMMON.map((l) => l.replace("interface=br0", "interface=virbr1")), ...RANGE(120), "dhcp-option=option:router", "domain=lab.example", "local=/lab.example/", "expand-hosts"],
    ],
    ["owner label as a comment", {}, "proj/dev/dhcp#abc", [HEADER, "# owner: proj/dev/dhcp#abc", ...COMMON, ...RANGE(3600), "dhcp-option=option:router"]],
  ])("%s", (_title, over, owner, lines) => {
    const text = renderDnsmasqConfig({ ...base, ...over }, paths, owner);
    expect(text).toBe(lines.join("\n") + "\n");
    expect(ownerOfConfig(text)).toBe(owner);
  });

  test("static leases leave the config as it is (they are in the hosts files, re-read on SIGHUP: a live change)", () => {
    const text = renderDnsmasqConfig({ ...base, staticLeases: [{ mac: "52:54:00:00:00:01", ip: "10.0.0.5" }, { mac: "52:54:00:00:00:02", ip: "10.0.0.6" }] }, paths);
    expect(text).toBe(renderDnsmasqConfig(base, paths));
  });

  test("a path dnsmasq's config syntax cannot carry is refused at render", () => {
    expect(() => renderDnsmasqConfig(base, dhcpPaths("/var/lib/a b", "x"))).toThrow(/cannot be written into dnsmasq's config/);
    expect(() => renderDnsmasqConfig(base, dhcpPaths("/var/lib/a#b", "x"))).toThrow(/cannot be written/);
  });
});

describe("hosts files", () => {
  const leases = [
    { mac: "52:54:00:00:00:01", ip: "10.0.0.5", hostname: "web" },
    { mac: "52:54:00:00:00:02", ip: "10.0.0.6" },
  ];

  test("dhcp-hostsfile: mac,ip[,hostname] per line; addn-hosts: ip name for named leases", () => {
    expect(renderHostsFile(leases)).toBe("52:54:00:00:00:01,10.0.0.5,web\n52:54:00:00:00:02,10.0.0.6\n");
    expect(renderNamesFile(leases)).toBe("10.0.0.5 web\n");
    expect(renderHostsFile([])).toBe("");
    expect(renderNamesFile([])).toBe("");
  });

  test.each<[string, string, ReturnType<typeof parseHostsFile>]>([
    ["what we write parses back", "52:54:00:00:00:01,10.0.0.5,web\n52:54:00:00:00:02,10.0.0.6\n", [{ mac: "52:54:00:00:00:01", ip: "10.0.0.5", hostname: "web" }, { mac: "52:54:00:00:00:02", ip: "10.0.0.6" }]],
    ["empty", "", []],
    ["comments, blank lines, CRLF, upper-case MAC", "# x\n\r\n52:54:00:AA:BB:CC,10.0.0.7,db\r\n", [{ mac: "52:54:00:aa:bb:cc", ip: "10.0.0.7", hostname: "db" }]],
    ["hand-written extras: lease time, id:, set:", "52:54:00:00:00:03,set:x,10.0.0.8,infinite\n52:54:00:00:00:04,10.0.0.9,app,3600\n", [{ mac: "52:54:00:00:00:03", ip: "10.0.0.8" }, { mac: "52:54:00:00:00:04", ip: "10.0.0.9", hostname: "app" }]],
    ["a line without MAC or address is skipped", "id:foo,10.0.0.9\n52:54:00:00:00:05,name\n", []],
    [
      "lease times with a unit, either case, are not names (5m, 2D, 12H); names around them are",
      "52:54:00:00:00:06,10.0.0.10,5m\n52:54:00:00:00:07,10.0.0.11,2D,db2\n52:54:00:00:00:08,10.0.0.12,12H\n52:54:00:00:00:09,10.0.0.13,ignore\n",
      [{ mac: "52:54:00:00:00:06", ip: "10.0.0.10" }, { mac: "52:54:00:00:00:07", ip: "10.0.0.11", hostname: "db2" }, { mac: "52:54:00:00:00:08", ip: "10.0.0.12" }, { mac: "52:54:00:00:00:09", ip: "10.0.0.13" }],
    ],
    ["INFINITE in capitals is a lease time", "52:54:00:00:00:0a,10.0.0.14,INFINITE\n", [{ mac: "52:54:00:00:00:0a", ip: "10.0.0.14" }]],
  ])("parse: %s", (_t, text, want) => {
    expect(parseHostsFile(text)).toEqual(want);
  });
});
