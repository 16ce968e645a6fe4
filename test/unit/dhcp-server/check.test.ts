import { dhcpServerHandler } from "../../../provider/resources/dhcp-server/lifecycle";
import { UNKNOWN } from "../../../provider/resources/common/unknown";
import { makeProvider } from "../../../provider/kinds";
import { testContext } from "../../support/provider-harness";

const check = (news: Record<string, unknown>) => dhcpServerHandler.check({}, news);
const ok = { name: "d1", bridge: "br0", range: { start: "10.0.0.100", end: "10.0.0.199" } };
const lease = (mac: string, ip: string, hostname?: string) => ({ mac, ip, ...(hostname === undefined ? {} : { hostname }) });

describe("DhcpServer check", () => {
  test("defaults: one-hour leases, no static leases, host {}; MACs lower-cased", () => {
    expect(check(ok)).toEqual({ inputs: { ...ok, leaseTime: 3600, staticLeases: [], host: {} }, failures: [] });
    const r = check({
      ...ok, network: "10.0.0.1/24", router: "10.0.0.1", dnsDomain: "lab", leaseTime: "infinite", upstreamDns: ["1.1.1.1", "127.0.0.53"],
      staticLeases: [lease("52:54:00:AA:BB:CC", "10.0.0.5", "web"), lease("52:54:00:AA:BB:CD", "10.0.0.6", "m5"), lease("52:54:00:AA:BB:CE", "10.0.0.7", "5mx")],
    });
    expect(r.failures).toEqual([]);
    expect(r.inputs.upstreamDns).toEqual(["1.1.1.1", "127.0.0.53"]);
    expect(r.inputs.staticLeases).toEqual([lease("52:54:00:aa:bb:cc", "10.0.0.5", "web"), lease("52:54:00:aa:bb:cd", "10.0.0.6", "m5"), lease("52:54:00:aa:bb:ce", "10.0.0.7", "5mx")]);
    expect(r.inputs.leaseTime).toBe("infinite");
  });

  test.each<[string, Record<string, unknown>, Array<[string, RegExp]>]>([
    ["range end before start", { ...ok, range: { start: "10.0.0.200", end: "10.0.0.100" } }, [["range.end", /must not precede range.start \(10.0.0.200\)/]]],
    ["range start not IPv4", { ...ok, range: { start: "10.0.0", end: "10.0.0.100" } }, [["range.start", /IPv4 address/]]],
    ["range end IPv6", { ...ok, range: { start: "10.0.0.1", end: "fd00::1" } }, [["range.end", /IPv4 address/]]],
    ["range end leading zero", { ...ok, range: { start: "10.0.0.1", end: "10.0.0.010" } }, [["range.end", /without leading zeros/]]],
    ["range missing", { name: "d1", bridge: "br0" }, [["range", /Required/]]],
    ["range start 0.0.0.0", { ...ok, range: { start: "0.0.0.0", end: "10.0.0.100" } }, [["range.start", /unicast host address/]]],
    ["static lease IP not IPv4", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.x")] }, [["staticLeases[0].ip", /IPv4 address/]]],
    ["static lease MAC malformed", { ...ok, staticLeases: [lease("52:54:00:00:01", "10.0.0.5")] }, [["staticLeases[0].mac", /MAC address like/]]],
    ["static lease MAC multicast", { ...ok, staticLeases: [lease("01:00:5e:00:00:01", "10.0.0.5")] }, [["staticLeases[0].mac", /unicast/]]],
    ["static lease duplicate IP", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5"), lease("52:54:00:00:00:02", "10.0.0.5")] }, [["staticLeases[1].ip", /duplicates staticLeases\[0\].ip/]]],
    [
      "static lease duplicate MAC (any case)",
      { ...ok, staticLeases: [lease("52:54:00:00:00:0a", "10.0.0.5"), lease("52:54:00:00:00:02", "10.0.0.6"), lease("52:54:00:00:00:0A", "10.0.0.7")] },
      [["staticLeases[2].mac", /duplicates staticLeases\[0\].mac/]],
    ],
    ["static lease duplicate hostname", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "web"), lease("52:54:00:00:00:02", "10.0.0.6", "WEB")] }, [["staticLeases[1].hostname", /duplicates staticLeases\[0\].hostname/]]],
    ["static lease unknown field", { ...ok, staticLeases: [{ ...lease("52:54:00:00:00:01", "10.0.0.5"), tag: "x" }] }, [["staticLeases[0]", /Unrecognized key/]]],
    ["leaseTime 0", { ...ok, leaseTime: 0 }, [["leaseTime", /from 120 \(dnsmasq's minimum\).*"infinite"/]]],
    ["leaseTime below dnsmasq's minimum", { ...ok, leaseTime: 119 }, [["leaseTime", /from 120/]]],
    ["leaseTime fractional", { ...ok, leaseTime: 600.5 }, [["leaseTime", /whole number/]]],
    ["leaseTime as text", { ...ok, leaseTime: "1h" }, [["leaseTime", /"infinite"/]]],
    ["hostname with a dot", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "web.lab")] }, [["staticLeases[0].hostname", /DNS label/]]],
    ["hostname with underscore", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "web_1")] }, [["staticLeases[0].hostname", /DNS label/]]],
    ["hostname ending in a hyphen", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "web-")] }, [["staticLeases[0].hostname", /DNS label/]]],
    ["hostname too long", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "a".repeat(64))] }, [["staticLeases[0].hostname", /DNS label/]]],
    ["hostname all digits (a lease time to dnsmasq)", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "3600")] }, [["staticLeases[0].hostname", /all digits/]]],
    ["hostname a dnsmasq keyword", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "ignore")] }, [["staticLeases[0].hostname", /'ignore'/]]],
    ["hostname 'Infinite' (a lease time, any case)", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "Infinite")] }, [["staticLeases[0].hostname", /'infinite'/]]],
    ["hostname 5m (a lease time: five minutes)", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "5m")] }, [["staticLeases[0].hostname", /a lease time like 5m or 2D/]]],
    ["hostname 2D (a lease time, upper-case unit)", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "2D")] }, [["staticLeases[0].hostname", /a lease time/]]],
    ["hostname 30s, 12h, 1w", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "30s"), lease("52:54:00:00:00:02", "10.0.0.6", "12h"), lease("52:54:00:00:00:03", "10.0.0.7", "1W")] }, [["staticLeases[0].hostname", /a lease time/], ["staticLeases[1].hostname", /a lease time/], ["staticLeases[2].hostname", /a lease time/]]],
    ["static lease on the router's address", { ...ok, router: "10.0.0.1", staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5"), lease("52:54:00:00:00:02", "10.0.0.1")] }, [["staticLeases[1].ip", /is the router's address \(router 10.0.0.1\)/]]],
    ["range containing the router", { ...ok, router: "10.0.0.150" }, [["range.start", /range 10.0.0.100–10.0.0.199 contains the router's address 10.0.0.150/]]],
    ["range starting on the router", { ...ok, router: "10.0.0.100" }, [["range.start", /contains the router's address 10.0.0.100/]]],
    ["range ending on the router", { ...ok, router: "10.0.0.199" }, [["range.start", /contains the router's address 10.0.0.199/]]],
    ["upstreamDns not IPv4", { ...ok, upstreamDns: ["1.1.1.1", "dns.example"] }, [["upstreamDns[1]", /IPv4 address/]]],
    ["upstreamDns 0.0.0.0", { ...ok, upstreamDns: ["0.0.0.0"] }, [["upstreamDns[0]", /unicast address of a DNS server/]]],
    ["upstreamDns multicast", { ...ok, upstreamDns: ["224.0.0.251"] }, [["upstreamDns[0]", /unicast/]]],
    ["upstreamDns too many", { ...ok, upstreamDns: ["1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6", "1.1.1.7", "1.1.1.8", "1.1.1.9"] }, [["upstreamDns", /at most 8/]]],
    ["upstreamDns duplicate", { ...ok, upstreamDns: ["9.9.9.9", "1.1.1.1", "9.9.9.9"] }, [["upstreamDns[2]", /duplicates upstreamDns\[0\]/]]],
    ["upstreamDns not a list", { ...ok, upstreamDns: "1.1.1.1" }, [["upstreamDns", /Expected array/]]],
    ["bridge with a slash", { ...ok, bridge: "br/0" }, [["bridge", /may contain only/]]],
    ["bridge too long", { ...ok, bridge: "b".repeat(16) }, [["bridge", /at most 15/]]],
    ["bridge missing", { name: "d1", range: ok.range }, [["bridge", /Required/]]],
    ["router not IPv4", { ...ok, router: "gateway" }, [["router", /IPv4 address/]]],
    ["router broadcast", { ...ok, router: "255.255.255.255" }, [["router", /unicast host address/]]],
    ["dnsDomain with a trailing dot", { ...ok, dnsDomain: "lab." }, [["dnsDomain", /DNS domain/]]],
    ["dnsDomain with a space", { ...ok, dnsDomain: "my lab" }, [["dnsDomain", /DNS domain/]]],
    ["network not a CIDR", { ...ok, network: "10.0.0.0" }, [["network", /IPv4 CIDR/]]],
    ["network too small for DHCP", { ...ok, network: "10.0.0.0/31" }, [["network", /8 to 30/]]],
    ["range outside network", { ...ok, network: "10.1.0.0/24" }, [["range.start", /host address of network 10.1.0.0\/24/], ["range.end", /network 10.1.0.0\/24/]]],
    ["range end on the broadcast address", { ...ok, network: "10.0.0.0/24", range: { start: "10.0.0.100", end: "10.0.0.255" } }, [["range.end", /not its network or broadcast/]]],
    ["range start on the network address", { ...ok, network: "10.0.0.0/24", range: { start: "10.0.0.0", end: "10.0.0.5" } }, [["range.start", /not its network or broadcast/]]],
    ["router outside network", { ...ok, network: "10.0.0.0/24", router: "10.0.1.1" }, [["router", /network 10.0.0.0\/24/]]],
    ["static lease outside network", { ...ok, network: "10.0.0.0/24", staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5"), lease("52:54:00:00:00:02", "192.168.1.5")] }, [["staticLeases[1].ip", /network 10.0.0.0\/24/]]],
    ["name that could escape", { ...ok, name: "../x" }, [["name", /letters, digits/]]],
    ["stateDir dnsmasq's config cannot carry", { ...ok, host: { stateDir: "/var/lib/my lab" } }, [["host.stateDir", /dnsmasq's config file syntax/]]],
    ["unknown input", { ...ok, interface: "eth0" }, [["(inputs)", /Unrecognized key.*interface/]]],
    ["config injection through bridge", { ...ok, bridge: "b\nuser=root" }, [["bridge", /may contain only/]]],
    ["config injection through dnsDomain", { ...ok, dnsDomain: "lab\nconf-file=/x" }, [["dnsDomain", /DNS domain/]]],
    ["hosts-file injection through hostname", { ...ok, staticLeases: [lease("52:54:00:00:00:01", "10.0.0.5", "a,ignore")] }, [["staticLeases[0].hostname", /DNS label/]]],
  ])("%s", (_title, news, want) => {
    const r = check(news);
    expect(r.failures.map((f) => f.property)).toEqual(want.map(([p]) => p));
    r.failures.forEach((f, i) => expect(f.reason).toMatch(want[i]![1]));
  });

  test("unknown values (preview) pass", () => {
    expect(check({ ...ok, bridge: UNKNOWN, network: UNKNOWN }).failures).toEqual([]);
  });

  test("through the provider: auto-named, the name kept on a later check", async () => {
    const p = makeProvider("DhcpServer", testContext());
    const first = await p.check!({}, { ...ok, name: undefined, __resourceName: "lab-dhcp" });
    expect(first.failures).toEqual([]);
    expect(first.inputs.name).toMatch(/^lab-dhcp-[0-9a-f]{5}$/);
    const again = await p.check!(first.inputs, { ...ok, name: undefined, __resourceName: "lab-dhcp" });
    expect(again.inputs.name).toBe(first.inputs.name);
  });
});
