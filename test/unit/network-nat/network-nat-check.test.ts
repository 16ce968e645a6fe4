import { networkNatHandler } from "../../../provider/resources/network-nat/lifecycle";
import { NAT_FORWARDS_MAX } from "../../../provider/resources/network-nat/schema";
import { UNKNOWN } from "../../../provider/resources/common/unknown";

const check = (news: Record<string, unknown>) => networkNatHandler.check({}, news);
const base = { name: "lab", sourceCidr: "192.168.122.0/24" };
const fwd = (over: Record<string, unknown> = {}) => ({ protocol: "tcp", hostPort: 2222, toAddress: "192.168.122.10", toPort: 22, ...over });

describe("NetworkNat check", () => {
  test("applies defaults", () => {
    expect(check(base)).toEqual({ inputs: { ...base, forwards: [], host: {} }, failures: [] });
  });

  test("keeps every given input", () => {
    const news = { ...base, outInterface: "eth0", forwards: [fwd({ hostAddress: "203.0.113.5" })], host: { netns: "router" } };
    expect(check(news)).toEqual({ inputs: news, failures: [] });
  });

  test.each<[string, Record<string, unknown>, { property: string; reason: RegExp }[]]>([
    ["missing sourceCidr", { name: "lab" }, [{ property: "sourceCidr", reason: /Required/ }]],
    ["sourceCidr without a prefix", { ...base, sourceCidr: "192.168.122.0" }, [{ property: "sourceCidr", reason: /prefix length.*192\.168\.122\.0\/24/ }]],
    ["sourceCidr with host bits", { ...base, sourceCidr: "192.168.122.1/24" }, [{ property: "sourceCidr", reason: /host bits set: write 192\.168\.122\.0\/24/ }]],
    ["sourceCidr /20 with host bits", { ...base, sourceCidr: "10.1.17.0/20" }, [{ property: "sourceCidr", reason: /write 10\.1\.16\.0\/20/ }]],
    ["sourceCidr IPv6", { ...base, sourceCidr: "fd00::/64" }, [{ property: "sourceCidr", reason: /IPv4 network/ }]],
    ["sourceCidr every source", { ...base, sourceCidr: "0.0.0.0/0" }, [{ property: "sourceCidr", reason: /must not be 0\.0\.0\.0\/0/ }]],
    ["sourceCidr /0", { ...base, sourceCidr: "10.0.0.0/0" }, [{ property: "sourceCidr", reason: /host bits|prefix length from 1/ }]],
    ["sourceCidr prefix 33", { ...base, sourceCidr: "10.0.0.0/33" }, [{ property: "sourceCidr", reason: /prefix length/ }]],
    ["sourceCidr leading zeros", { ...base, sourceCidr: "010.0.0.0/8" }, [{ property: "sourceCidr", reason: /not an IPv4/ }]],
    ["sourceCidr octal prefix", { ...base, sourceCidr: "10.0.0.0/08" }, [{ property: "sourceCidr", reason: /leading zeros/ }]],
    ["sourceCidr with an nft injection", { ...base, sourceCidr: "10.0.0.0/8 accept" }, [{ property: "sourceCidr", reason: /prefix length/ }]],
    ["outInterface with a quote", { ...base, outInterface: 'eth0"' }, [{ property: "outInterface", reason: /may contain only/ }]],
    ["outInterface too long", { ...base, outInterface: "a".repeat(16) }, [{ property: "outInterface", reason: /at most 15/ }]],
    ["name with a space", { ...base, name: "a b" }, [{ property: "name", reason: /letters, digits/ }]],
    ["name too long", { ...base, name: "a".repeat(33) }, [{ property: "name", reason: /1–32/ }]],
    ["name starting with -", { ...base, name: "-x" }, [{ property: "name", reason: /not starting with -/ }]],
    ["hostPort 0", { ...base, forwards: [fwd({ hostPort: 0 })] }, [{ property: "forwards[0].hostPort", reason: /between 1 and 65535/ }]],
    ["toPort 65536", { ...base, forwards: [fwd({ toPort: 65536 })] }, [{ property: "forwards[0].toPort", reason: /between 1 and 65535/ }]],
    ["port as text", { ...base, forwards: [fwd({ hostPort: "22" })] }, [{ property: "forwards[0].hostPort", reason: /port number/ }]],
    ["protocol sctp", { ...base, forwards: [fwd({ protocol: "sctp" })] }, [{ property: "forwards[0].protocol", reason: /"tcp" or "udp"/ }]],
    ["toAddress a name", { ...base, forwards: [fwd({ toAddress: "guest" })] }, [{ property: "forwards[0].toAddress", reason: /IPv4 address/ }]],
    ["toAddress loopback", { ...base, forwards: [fwd({ toAddress: "127.0.0.1" })] }, [{ property: "forwards[0].toAddress", reason: /guest's address/ }]],
    ["toAddress in 0.0.0.0/8", { ...base, forwards: [fwd({ toAddress: "0.0.0.1" })] }, [{ property: "forwards[0].toAddress", reason: /not in 0\.0\.0\.0\/8/ }]],
    ["hostAddress in 0.0.0.0/8", { ...base, forwards: [fwd({ hostAddress: "0.1.2.3" })] }, [{ property: "forwards[0].hostAddress", reason: /0\.0\.0\.0\/8/ }]],
    [
      "toAddress outside sourceCidr (its replies would not come back through the NAT)",
      { ...base, forwards: [fwd(), fwd({ hostPort: 2223, toAddress: "10.0.0.5" })] },
      [{ property: "forwards[1].toAddress", reason: /must be inside sourceCidr 192\.168\.122\.0\/24/ }],
    ],
    ["toAddress multicast", { ...base, forwards: [fwd({ toAddress: "239.1.1.1" })] }, [{ property: "forwards[0].toAddress", reason: /unicast/ }]],
    ["hostAddress 0.0.0.0", { ...base, forwards: [fwd({ hostAddress: "0.0.0.0" })] }, [{ property: "forwards[0].hostAddress", reason: /omit hostAddress/ }]],
    ["hostAddress loopback", { ...base, forwards: [fwd({ hostAddress: "127.0.0.1" })] }, [{ property: "forwards[0].hostAddress", reason: /loopback/ }]],
    ["unknown forward key", { ...base, forwards: [fwd({ guestPort: 1 })] }, [{ property: "forwards[0]", reason: /Unrecognized key.*guestPort/ }]],
    [
      "the same host port twice",
      { ...base, forwards: [fwd(), fwd({ toAddress: "192.168.122.11" })] },
      [{ property: "forwards[1].hostPort", reason: /every local address:2222\/tcp is already forwarded by forwards\[0\]/ }],
    ],
    [
      "the same address and port twice",
      { ...base, forwards: [fwd({ hostAddress: "10.0.0.1" }), fwd({ protocol: "udp" }), fwd({ hostAddress: "10.0.0.1", toPort: 23 })] },
      [{ property: "forwards[2].hostPort", reason: /10\.0\.0\.1:2222\/tcp is already forwarded by forwards\[0\]/ }],
    ],
    [
      "one address and every address on one port overlap",
      { ...base, forwards: [fwd({ hostAddress: "10.0.0.1" }), fwd()] },
      [{ property: "forwards[1].hostPort", reason: /forwards\[0\]/ }],
    ],
    [
      "too many forwards",
      { ...base, forwards: Array.from({ length: NAT_FORWARDS_MAX + 1 }, (_, i) => fwd({ hostPort: 1000 + i })) },
      [{ property: "forwards", reason: /at most 64/ }],
    ],
    ["unknown key", { ...base, masquerade: true }, [{ property: "(inputs)", reason: /Unrecognized key.*masquerade/ }]],
    ["host netns with a slash", { ...base, host: { netns: "a/b" } }, [{ property: "host.netns", reason: /may contain only/ }]],
  ])("%s", (_label, news, expected) => {
    const r = check(news);
    expect(r.failures.map((f) => f.property)).toEqual(expected.map((e) => e.property));
    expected.forEach((e, i) => expect(r.failures[i]!.reason).toMatch(e.reason));
  });

  test.each<[string, Record<string, unknown>]>([
    ["one port on tcp and on udp", { ...base, forwards: [fwd(), fwd({ protocol: "udp" })] }],
    ["one port on two host addresses", { ...base, forwards: [fwd({ hostAddress: "10.0.0.1" }), fwd({ hostAddress: "10.0.0.2" })] }],
    ["a /32 source", { ...base, sourceCidr: "10.0.0.7/32", forwards: [fwd({ toAddress: "10.0.0.7" })] }],
    ["toAddress the last address of sourceCidr", { ...base, forwards: [fwd({ toAddress: "192.168.122.255" })] }],
    ["a /1 source", { ...base, sourceCidr: "128.0.0.0/1" }],
    ["64 forwards", { ...base, forwards: Array.from({ length: NAT_FORWARDS_MAX }, (_, i) => fwd({ hostPort: 1000 + i })) }],
    ["unknown sourceCidr in preview", { ...base, sourceCidr: UNKNOWN }],
    ["unknown forwards in preview", { ...base, forwards: UNKNOWN }],
    ["an unknown hostPort in preview", { ...base, forwards: [fwd({ hostPort: UNKNOWN })] }],
  ])("passes: %s", (_label, news) => {
    expect(check(news).failures).toEqual([]);
  });
});
