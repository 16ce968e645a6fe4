import { checkVxlanTunnel } from "../../../provider/resources/vxlan-tunnel/check";
import { UNKNOWN } from "../../../provider/resources/common/unknown";

const OK = { name: "vx0", vni: 42, localAddress: "10.50.0.1", remotes: ["10.50.0.2", "10.50.0.3"], bridge: "br0" };

describe("VxlanTunnel check", () => {
  test("applies defaults: port 4789, up, not adopted, root namespace; mtu stays unset (decided on the host)", () => {
    expect(checkVxlanTunnel(OK)).toEqual({
      inputs: { ...OK, port: 4789, up: true, adopt: false, host: {} },
      failures: [],
    });
  });

  test.each<[string, Record<string, unknown>, { property: string; reason: RegExp }[]]>([
    ["vni 0", { ...OK, vni: 0 }, [{ property: "vni", reason: /from 1 to 16777215/ }]],
    ["vni 2^24", { ...OK, vni: 16777216 }, [{ property: "vni", reason: /from 1 to 16777215/ }]],
    ["vni negative", { ...OK, vni: -1 }, [{ property: "vni", reason: /from 1 to 16777215/ }]],
    ["vni fractional", { ...OK, vni: 4.2 }, [{ property: "vni", reason: /whole number/ }]],
    ["vni as text", { ...OK, vni: "42" }, [{ property: "vni", reason: /must be a number/ }]],
    ["vni missing", { ...OK, vni: undefined }, [{ property: "vni", reason: /Required/ }]],
    ["localAddress IPv6", { ...OK, localAddress: "fd00::1" }, [{ property: "localAddress", reason: /IPv4 address/ }]],
    ["localAddress a CIDR", { ...OK, localAddress: "10.50.0.1/24" }, [{ property: "localAddress", reason: /IPv4 address/ }]],
    ["localAddress zero-padded (octal to ip)", { ...OK, localAddress: "10.050.0.1" }, [{ property: "localAddress", reason: /without leading zeros/ }]],
    ["localAddress 0.0.0.0", { ...OK, localAddress: "0.0.0.0" }, [{ property: "localAddress", reason: /unicast/ }]],
    ["localAddress a hostname", { ...OK, localAddress: "hv1" }, [{ property: "localAddress", reason: /IPv4 address/ }]],
    ["remote multicast", { ...OK, remotes: ["239.1.1.1"] }, [{ property: "remotes[0]", reason: /unicast.*multicast/ }]],
    ["remote broadcast", { ...OK, remotes: ["10.50.0.2", "255.255.255.255"] }, [{ property: "remotes[1]", reason: /unicast/ }]],
    ["remote with shell text", { ...OK, remotes: ["10.50.0.2; reboot"] }, [{ property: "remotes[0]", reason: /IPv4 address/ }]],
    ["remote IPv6", { ...OK, remotes: ["fd00::2"] }, [{ property: "remotes[0]", reason: /IPv4 address/ }]],
    ["duplicate remote", { ...OK, remotes: ["10.50.0.2", "10.50.0.3", "10.50.0.2"] }, [{ property: "remotes[2]", reason: /duplicates remotes\[0\]/ }]],
    ["remote is this host", { ...OK, remotes: ["10.50.0.2", "10.50.0.1"] }, [{ property: "remotes[1]", reason: /is localAddress \(10.50.0.1\)/ }]],
    ["remotes not a list", { ...OK, remotes: "10.50.0.2" }, [{ property: "remotes", reason: /Expected array/ }]],
    ["remotes missing", { ...OK, remotes: undefined }, [{ property: "remotes", reason: /Required/ }]],
    ["too many remotes", { ...OK, remotes: Array.from({ length: 1025 }, (_, i) => `10.${i >> 8}.${i & 255}.9`) }, [{ property: "remotes", reason: /at most 1024/ }]],
    ["port 0", { ...OK, port: 0 }, [{ property: "port", reason: /between 1 and 65535/ }]],
    ["port 65536", { ...OK, port: 65536 }, [{ property: "port", reason: /between 1 and 65535/ }]],
    ["port as text", { ...OK, port: "4789" }, [{ property: "port", reason: /port number/ }]],
    ["name too long", { ...OK, name: "x".repeat(16) }, [{ property: "name", reason: /at most 15/ }]],
    ["name with a slash", { ...OK, name: "vx/0" }, [{ property: "name", reason: /may contain only/ }]],
    ["name all", { ...OK, name: "all" }, [{ property: "name", reason: /reserved/ }]],
    ["bridge with a space", { ...OK, bridge: "br 0" }, [{ property: "bridge", reason: /whitespace/ }]],
    ["bridge missing", { ...OK, bridge: undefined }, [{ property: "bridge", reason: /Required/ }]],
    ["bridge is the tunnel", { ...OK, bridge: "vx0" }, [{ property: "bridge", reason: /must differ from name/ }]],
    ["mtu 67", { ...OK, mtu: 67 }, [{ property: "mtu", reason: /from 68 to 65535/ }]],
    ["mtu 65536", { ...OK, mtu: 65536 }, [{ property: "mtu", reason: /from 68 to 65535/ }]],
    ["mtu fractional", { ...OK, mtu: 1450.5 }, [{ property: "mtu", reason: /whole number/ }]],
    ["host.netns traversal", { ...OK, host: { netns: "../x" } }, [{ property: "host.netns", reason: /may contain only/ }]],
    ["unknown key", { ...OK, group: "239.1.1.1" }, [{ property: "(inputs)", reason: /Unrecognized key.*group/ }]],
    [
      "every failure at once",
      { name: "a:b", vni: 0, localAddress: "x", remotes: ["x"], bridge: "b r", port: -1 },
      [
        { property: "name", reason: /may contain only/ },
        { property: "vni", reason: /from 1/ },
        { property: "localAddress", reason: /IPv4/ },
        { property: "remotes[0]", reason: /IPv4/ },
        { property: "bridge", reason: /whitespace/ },
        { property: "port", reason: /between 1 and 65535/ },
      ],
    ],
  ])("%s", (_label, news, expected) => {
    const r = checkVxlanTunnel(news);
    expect(r.failures.map((f) => f.property)).toEqual(expected.map((e) => e.property));
    expected.forEach((e, i) => expect(r.failures[i]!.reason).toMatch(e.reason));
  });

  test.each<[string, Record<string, unknown>]>([
    ["no remotes (a mesh of one)", { ...OK, remotes: [] }],
    ["loopback remote", { ...OK, remotes: ["127.0.0.2"] }],
    ["the largest VNI, port and MTU", { ...OK, vni: 16777215, port: 65535, mtu: 65535 }],
    ["unknown localAddress in preview", { ...OK, localAddress: UNKNOWN }],
    ["unknown remote in preview", { ...OK, remotes: ["10.50.0.2", UNKNOWN] }],
    ["unknown remotes in preview", { ...OK, remotes: UNKNOWN }],
  ])("passes: %s", (_label, news) => {
    expect(checkVxlanTunnel(news).failures).toEqual([]);
  });
});
