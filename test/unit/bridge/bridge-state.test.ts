import { observeBridge, userAddresses } from "../../../provider/host/ip/bridge-state";
import { canonicalCidrList, compareCidrs, parseCidr, sameCidrSet } from "../../../provider/host/ip/cidr-list";
import { linkSchema, type IpLink } from "../../../provider/host/ip/ip-json";

/** A link as `ip -j -d addr show` reports it (only the fields we read). */
function ipLink(over: Record<string, unknown> = {}): IpLink {
  return linkSchema().parse({
    ifindex: 4,
    ifname: "br0",
    flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
    mtu: 1500,
    address: "02:11:22:33:44:55",
    linkinfo: { info_kind: "bridge", info_data: { stp_state: 0, forward_delay: 1500 } },
    addr_info: [],
    ...over,
  });
}
const addr = (family: string, local: string, prefixlen: number, scope = "global") => ({ family, local, prefixlen, scope });

describe("parseCidr", () => {
  test.each([
    ["10.0.0.5/24", { family: 4, address: "10.0.0.5", prefix: 24 }],
    ["FD00:0:0::0:1/64", { family: 6, address: "fd00::1", prefix: 64 }],
    ["2001:db8::/0", { family: 6, address: "2001:db8::", prefix: 0 }],
    ["10.0.0.1/0", { family: 4, address: "10.0.0.1", prefix: 0 }],
  ])("%s", (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });

  // `ip` reads a zero-padded prefix as octal: /024 installs a /20 and /010 a /8, so zero padding is refused.
  test.each([
    ["10.0.0.1/032", "IPv4", 32],
    ["10.1.0.1/024", "IPv4", 32],
    ["10.0.0.1/010", "IPv4", 32],
    ["10.2.0.1/08", "IPv4", 32],
    ["10.0.0.1/00", "IPv4", 32],
    ["fd00::1/064", "IPv6", 128],
  ])("%s is refused: a zero-padded prefix", (text, family, max) => {
    expect(parseCidr(text)).toEqual({ error: `prefix length must be a whole number from 0 to ${max} for ${family}, without leading zeros (ip reads 024 as octal)` });
  });
});

describe("address lists", () => {
  test.each([
    [["fd00::1/64", "10.0.0.10/24", "10.0.0.9/24", "10.0.0.9/16", "2001:db8::1/64"], ["10.0.0.9/16", "10.0.0.9/24", "10.0.0.10/24", "2001:db8::1/64", "fd00::1/64"]],
    [["FD00::1/64", "fd00:0::1/64"], ["fd00::1/64"]],
    [[], []],
  ])("canonical, de-duplicated, IPv4 first in numeric order: %j", (input, expected) => {
    expect(canonicalCidrList(input)).toEqual(expected);
  });

  test.each([
    [["10.0.0.1/24", "fd00::1/64"], ["FD00:0::1/64", "10.0.0.1/24"], true],
    [["10.0.0.1/24"], ["10.0.0.1/25"], false],
    [["10.0.0.1/24"], ["10.0.0.1/24", "10.0.0.2/24"], false],
    [[], [], true],
  ])("same set %j %j → %s", (a, b, expected) => {
    expect(sameCidrSet(a, b)).toBe(expected);
  });

  test("compareCidrs orders numerically, not as text", () => {
    expect(["10.0.0.10/24", "10.0.0.9/24"].sort(compareCidrs)).toEqual(["10.0.0.9/24", "10.0.0.10/24"]);
  });
});

describe("observeBridge", () => {
  test("reads every managed property from ip's JSON", () => {
    const link = ipLink({
      flags: ["BROADCAST", "MULTICAST"],
      mtu: 1400,
      linkinfo: { info_kind: "bridge", info_data: { stp_state: 1 } },
      addr_info: [addr("inet6", "fd00::1", 64), addr("inet", "10.0.0.1", 24), addr("inet6", "fe80::11:22ff:fe33:4455", 64, "link")],
    });
    expect(observeBridge(link)).toEqual({
      name: "br0",
      ifindex: 4,
      macAddress: "02:11:22:33:44:55",
      mtu: 1400,
      stp: true,
      up: false,
      addresses: ["10.0.0.1/24", "fd00::1/64"],
    });
  });

  test.each([
    [0, false],
    [1, true],
    [2, true], // user-space STP daemon
  ])("stp_state %d → stp %s", (state, stp) => {
    expect(observeBridge(ipLink({ linkinfo: { info_kind: "bridge", info_data: { stp_state: state } } }))?.stp).toBe(stp);
  });

  test.each([
    ["a veth", { linkinfo: { info_kind: "veth" } }],
    ["a plain device (no linkinfo)", { linkinfo: undefined }],
  ])("%s is not a bridge", (_what, over) => {
    expect(observeBridge(ipLink(over))).toBeUndefined();
  });

  test("kernel-made IPv6 link-local addresses are left out unless the user asked for them", () => {
    const link = ipLink({ addr_info: [addr("inet6", "fe80::1", 64, "link"), addr("inet6", "fe80::77", 64, "link"), addr("inet", "169.254.1.1", 16, "link")] });
    expect(userAddresses(link)).toEqual(["169.254.1.1/16"]);
    expect(userAddresses(link, ["FE80::77/64"])).toEqual(["169.254.1.1/16", "fe80::77/64"]);
  });
});
