import { defaultBridgeMac } from "../../../provider/resources/bridge/schema";
import { checkBridge } from "../../../provider/resources/bridge/check";
import { UNKNOWN } from "../../../provider/resources/common/unknown";
import { FakeRunner } from "../../support/fake-runner";
import { testContext } from "../../support/provider-harness";
import { makeProvider } from "../../../provider/kinds";

const CIDR = "must be a CIDR with a prefix length, like 10.0.0.1/24 or fd00::1/64";
const notIp = (a: string) => `"${a}" is not an IPv4 or IPv6 address (like 10.0.0.1/24 or fd00::1/64)`;
const MTU_RANGE = "must be from 68 to 65535 (Linux's MTU range for a bridge)";

describe("Bridge check", () => {
  test.each<[string, Record<string, unknown>, [string, string][]]>([
    ["name with a slash", { name: "a/b" }, [["name", "may contain only letters, digits and _ . @ + - (no '/', ':', whitespace or newline)"]]],
    ["name too long", { name: "x".repeat(16) }, [["name", "must be at most 15 characters (Linux's interface name limit)"]]],
    ["no prefix length", { name: "br0", addresses: ["10.0.0.1"] }, [["addresses[0]", CIDR]]],
    ["two slashes", { name: "br0", addresses: ["10.0.0.1/24/1"] }, [["addresses[0]", CIDR]]],
    ["IPv4 prefix > 32", { name: "br0", addresses: ["10.0.0.1/33"] }, [["addresses[0]", "prefix length must be a whole number from 0 to 32 for IPv4"]]],
    ["IPv6 prefix > 128", { name: "br0", addresses: ["fd00::1/129"] }, [["addresses[0]", "prefix length must be a whole number from 0 to 128 for IPv6"]]],
    ["prefix not a number", { name: "br0", addresses: ["10.0.0.1/2x"] }, [["addresses[0]", "prefix length must be a whole number from 0 to 32 for IPv4"]]],
    [
      "zero-padded prefix (ip would install /20)",
      { name: "br0", addresses: ["10.1.0.1/024"] },
      [["addresses[0]", "prefix length must be a whole number from 0 to 32 for IPv4, without leading zeros (ip reads 024 as octal)"]],
    ],
    ["octet out of range", { name: "br0", addresses: ["10.0.0.300/24"] }, [["addresses[0]", notIp("10.0.0.300")]]],
    ["leading zeros", { name: "br0", addresses: ["010.0.0.1/24"] }, [["addresses[0]", notIp("010.0.0.1")]]],
    ["a zone id", { name: "br0", addresses: ["fe80::1%eth0/64"] }, [["addresses[0]", notIp("fe80::1%eth0")]]],
    ["shell text", { name: "br0", addresses: ["1.2.3.4/24; reboot"] }, [["addresses[0]", "prefix length must be a whole number from 0 to 32 for IPv4"]]],
    ["IPv6 multicast", { name: "br0", addresses: ["ff02::1/64"] }, [["addresses[0]", "a multicast address cannot be assigned to an interface"]]],
    ["unspecified v4", { name: "br0", addresses: ["0.0.0.0/8"] }, [["addresses[0]", "the unspecified address cannot be assigned to an interface"]]],
    ["unspecified v6", { name: "br0", addresses: ["::/64"] }, [["addresses[0]", "the unspecified address cannot be assigned to an interface"]]],
    ["IPv4-mapped", { name: "br0", addresses: ["::ffff:1.2.3.4/96"] }, [["addresses[0]", "IPv4-mapped IPv6 addresses are rejected by the kernel: write the IPv4 address instead"]]],
    ["duplicate IPv4", { name: "br0", addresses: ["10.0.0.1/24", "10.0.0.2/24", "10.0.0.1/24"] }, [["addresses[2]", "duplicates addresses[0]"]]],
    [
      "IPv6 twice with other prefixes and spelling",
      { name: "br0", addresses: ["fd00::1/64", "FD00:0::1/128"] },
      [["addresses[1]", "duplicates addresses[0]: an IPv6 address can be on a link only once, whatever the prefix length"]],
    ],
    ["a number in addresses", { name: "br0", addresses: [42] }, [["addresses[0]", "Expected string, received number"]]],
    ["addresses not a list", { name: "br0", addresses: "10.0.0.1/24" }, [["addresses", "Expected array, received string"]]],
    ["mtu too small", { name: "br0", mtu: 67 }, [["mtu", MTU_RANGE]]],
    ["mtu too large", { name: "br0", mtu: 65536 }, [["mtu", MTU_RANGE]]],
    ["mtu fractional", { name: "br0", mtu: 1500.5 }, [["mtu", "must be a whole number"]]],
    [
      "mtu below 1280 with IPv6",
      { name: "br0", mtu: 1200, addresses: ["10.0.0.1/24", "fd00::1/64"] },
      [["mtu", "must be at least 1280 because addresses[1] is IPv6: the kernel disables IPv6 on links with a smaller MTU"]],
    ],
    ["stp not a boolean", { name: "br0", stp: "yes" }, [["stp", "Expected boolean, received string"]]],
    ["up not a boolean", { name: "br0", up: 1 }, [["up", "Expected boolean, received number"]]],
    ["bad netns", { name: "br0", host: { netns: "a b" } }, [["host.netns", "may contain only letters, digits and _ . - (it is a file name under /run/netns)"]]],
    ["unknown key", { name: "br0", bogus: 1 }, [["(inputs)", "Unrecognized key(s) in object: 'bogus'"]]],
    [
      "every failure at once",
      { name: "", addresses: ["x", "10.0.0.1/24", "10.0.0.1/24"], mtu: 1, stp: 0 },
      [
        ["name", "must not be empty"],
        ["name", "may contain only letters, digits and _ . @ + - (no '/', ':', whitespace or newline)"],
        ["addresses[0]", CIDR],
        ["addresses[2]", "duplicates addresses[1]"],
        ["mtu", MTU_RANGE],
        ["stp", "Expected boolean, received number"],
      ],
    ],
  ])("rejects %s", (_what, news, expected) => {
    const r = checkBridge(news);
    expect(r.failures.map((f) => [f.property, f.reason])).toEqual(expected);
  });

  test.each<[string, Record<string, unknown>]>([
    ["a bare name", { name: "br0" }],
    ["host bits, v4 and v6, link-local, prefix 0", { name: "br0", addresses: ["10.0.0.5/24", "fd00::1/64", "fe80::5/64", "192.0.2.1/0"] }],
    ["one IPv4 address with two prefixes (the kernel keeps both)", { name: "br0", addresses: ["10.0.0.1/24", "10.0.0.1/25"] }],
    ["mtu limits", { name: "br0", mtu: 68 }],
    ["mtu 1280 with IPv6", { name: "br0", mtu: 1280, addresses: ["fd00::1/64"] }],
    ["small mtu with IPv4 only", { name: "br0", mtu: 576, addresses: ["10.0.0.1/24"] }],
    ["everything", { name: "br0", addresses: [], mtu: 65535, stp: true, up: false, adopt: true, host: { netns: "lab" } }],
  ])("accepts %s", (_what, news) => {
    expect(checkBridge(news).failures).toEqual([]);
  });

  test("applies defaults: up and adopt managed, host {}, a stable MAC from the name, unset properties stay unset", () => {
    expect(checkBridge({ name: "br0" }).inputs).toEqual({ name: "br0", up: true, adopt: false, host: {}, macAddress: defaultBridgeMac("br0") });
    expect(defaultBridgeMac("br0")).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(defaultBridgeMac("br0")).toBe(defaultBridgeMac("br0"));
    expect(defaultBridgeMac("br1")).not.toBe(defaultBridgeMac("br0"));
  });

  test("an adopted bridge keeps its MAC unless one is given; a given MAC is validated and made lower-case", () => {
    expect(checkBridge({ name: "br0", adopt: true }).inputs.macAddress).toBeUndefined();
    expect(checkBridge({ name: "br0", macAddress: "02:AA:00:00:00:01" }).inputs.macAddress).toBe("02:aa:00:00:00:01");
    expect(checkBridge({ name: "br0", macAddress: "01:00:5e:00:00:01" }).failures.map((f) => f.property)).toEqual(["macAddress"]);
    expect(checkBridge({ name: "br0", macAddress: "nope" }).failures.map((f) => f.property)).toEqual(["macAddress"]);
  });

  test("values unknown during preview pass", () => {
    expect(checkBridge({ name: UNKNOWN, addresses: UNKNOWN, mtu: UNKNOWN, host: { netns: UNKNOWN } }).failures).toEqual([]);
    expect(checkBridge({ name: "br0", addresses: ["10.0.0.1/24", UNKNOWN], mtu: 1200 }).failures).toEqual([]);
  });

  test("through the dynamic provider: auto-names within 15 characters, stable across checks, no host access", async () => {
    const runner = new FakeRunner(true);
    const p = makeProvider("Bridge", testContext(runner));
    const first = await p.check!({}, { __resourceName: "a-very-long-resource-name" });
    expect(first.failures).toEqual([]);
    expect(first.inputs.name).toMatch(/^a-very-lo-[0-9a-f]{5}$/);
    expect((first.inputs.name as string).length).toBeLessThanOrEqual(15);
    const again = await p.check!(first.inputs, { __resourceName: "a-very-long-resource-name" });
    expect(again.inputs.name).toBe(first.inputs.name);
    expect(runner.calls).toEqual([]);
  });
});
