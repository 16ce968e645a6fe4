import { checkVethPair } from "../../../provider/resources/veth-pair/check";
import { UNKNOWN } from "../../../provider/resources/common/unknown";

describe("VethPair check", () => {
  test("applies defaults", () => {
    expect(checkVethPair({ name: "va", peerName: "vb" })).toEqual({
      inputs: { name: "va", peerName: "vb", up: true, adopt: false, host: {} },
      failures: [],
    });
  });

  test.each<[string, Record<string, unknown>, { property: string; reason: RegExp }[]]>([
    ["missing peerName", { name: "va" }, [{ property: "peerName", reason: /Required/ }]],
    ["name too long", { name: "a".repeat(16), peerName: "vb" }, [{ property: "name", reason: /at most 15/ }]],
    ["peerName with a slash", { name: "va", peerName: "v/b" }, [{ property: "peerName", reason: /may contain only/ }]],
    ["peerNetns with a space", { name: "va", peerName: "vb", peerNetns: "a b" }, [{ property: "peerNetns", reason: /may contain only/ }]],
    ["up not boolean", { name: "va", peerName: "vb", up: "yes" }, [{ property: "up", reason: /boolean/ }]],
    ["unknown key", { name: "va", peerName: "vb", mtu: 1500 }, [{ property: "(inputs)", reason: /Unrecognized key.*mtu/ }]],
    ["same names in one namespace", { name: "va", peerName: "va" }, [{ property: "peerName", reason: /must differ from name.*peerNetns/ }]],
    [
      "same names, peer explicitly in the same namespace",
      { name: "va", peerName: "va", peerNetns: "lab", host: { netns: "lab" } },
      [{ property: "peerName", reason: /must differ/ }],
    ],
    [
      "every failure at once",
      { name: "a:b", peerName: "x".repeat(20), host: { netns: "../x" } },
      [
        { property: "name", reason: /may contain only/ },
        { property: "peerName", reason: /at most 15/ },
        { property: "host.netns", reason: /may contain only/ },
      ],
    ],
  ])("%s", (_label, news, expected) => {
    const r = checkVethPair(news);
    expect(r.failures).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      expect(r.failures[i]!.property).toBe(e.property);
      expect(r.failures[i]!.reason).toMatch(e.reason);
    });
  });

  test.each<[string, Record<string, unknown>]>([
    ["same names in different namespaces", { name: "va", peerName: "va", peerNetns: "other" }],
    ["same names, one end in a namespace, peer in root is not expressible: peerNetns other", { name: "v", peerName: "v", host: { netns: "a" }, peerNetns: "b" }],
    ["unknown peerName in preview", { name: "va", peerName: UNKNOWN }],
    ["unknown host in preview", { name: "va", peerName: "va", host: UNKNOWN }],
  ])("passes: %s", (_label, news) => {
    expect(checkVethPair(news).failures).toEqual([]);
  });
});
