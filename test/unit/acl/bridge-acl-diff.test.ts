import { asAclFile, parseConf } from "../../../provider/host/acl/conf-file";
import { bridgeAclHandler } from "../../../provider/resources/bridge-acl/lifecycle";
import type { BridgeAclInputs, BridgeAclState } from "../../../provider/resources/bridge-acl/schema";
import { UNKNOWN } from "../../../provider/resources/common/unknown";

const olds: BridgeAclState = {
  name: "acl-abcde",
  bridge: "br0",
  action: "allow",
  confPath: "/etc/qemu/bridge.conf",
  host: {},
  line: "allow br0",
  warnings: [],
};
const news = (over: Partial<BridgeAclInputs>): BridgeAclInputs => ({ name: "acl-abcde", bridge: "br0", action: "allow", host: {}, ...over });

describe("diff", () => {
  test.each<[string, Partial<BridgeAclInputs>, Partial<BridgeAclState>, { changes: boolean; updates: string[]; replaces: string[] }]>([
    ["no change (default confPath resolves to the recorded one)", {}, {}, { changes: false, updates: [], replaces: [] }],
    ["explicit confPath equal to the recorded default", { confPath: "/etc/qemu/bridge.conf" }, {}, { changes: false, updates: [], replaces: [] }],
    ["action is rewritten in place", { action: "deny" }, {}, { changes: true, updates: ["action"], replaces: [] }],
    ["other bridge: replace", { bridge: "br1" }, {}, { changes: true, updates: [], replaces: ["bridge"] }],
    ["other file: replace", { confPath: "/tmp/x.conf" }, {}, { changes: true, updates: [], replaces: ["confPath"] }],
    ["netns with default file: the file changes, replace", { host: { netns: "n1" } }, {}, { changes: true, updates: ["host"], replaces: ["confPath"] }],
    ["netns with the same explicit file: update only", { host: { netns: "n1" }, confPath: "/tmp/a.conf" }, { confPath: "/tmp/a.conf" }, { changes: true, updates: ["host"], replaces: [] }],
    ["unknown bridge in preview: replace", { bridge: UNKNOWN }, {}, { changes: true, updates: [], replaces: ["bridge"] }],
    ["unknown netns in preview, default file: replace", { host: { netns: UNKNOWN } }, {}, { changes: true, updates: ["host"], replaces: ["confPath"] }],
  ])("%s", (_n, n, o, expected) => {
    expect(bridgeAclHandler.diff("id", { ...olds, ...o }, news(n))).toEqual({ ...expected, deleteBeforeReplace: false });
  });
});

describe("check", () => {
  test.each<[string, Record<string, unknown>, Array<{ property: string; reason: RegExp }>]>([
    ["minimal", { name: "a", bridge: "br0" }, []],
    ["all", { name: "a", bridge: "all", action: "deny" }, []],
    ["missing bridge", { name: "a" }, [{ property: "bridge", reason: /Required/ }]],
    ["bridge with a space (would change the line the helper reads)", { name: "a", bridge: "br0 x" }, [{ property: "bridge", reason: /may contain only/ }]],
    ["bridge with a newline (would inject a line)", { name: "a", bridge: "br0\nallow all" }, [{ property: "bridge", reason: /may contain only/ }]],
    ["bridge with #", { name: "a", bridge: "br#0" }, [{ property: "bridge", reason: /may contain only/ }]],
    ["bridge too long for the helper", { name: "a", bridge: "abcdefghijklmnop" }, [{ property: "bridge", reason: /at most 15/ }]],
    ["bad action", { name: "a", bridge: "br0", action: "permit" }, [{ property: "action", reason: /"allow" or "deny"/ }]],
    ["relative confPath", { name: "a", bridge: "br0", confPath: "etc/bridge.conf" }, [{ property: "confPath", reason: /absolute/ }]],
    ["confPath not a .conf file (/etc/sudoers would get `allow br0`)", { name: "a", bridge: "br0", confPath: "/etc/sudoers" }, [{ property: "confPath", reason: /must name a \.conf file/ }]],
    ["confPath with newline", { name: "a", bridge: "br0", confPath: "/tmp/a\nb.conf" }, [{ property: "confPath", reason: /newline/ }]],
    ["bad netns", { name: "a", bridge: "br0", host: { netns: "a/b" } }, [{ property: "host.netns", reason: /may contain only/ }]],
    ["unknown property", { name: "a", bridge: "br0", bogus: 1 }, [{ property: "(inputs)", reason: /bogus/ }]],
    ["unknown values pass in preview", { name: "a", bridge: UNKNOWN, confPath: UNKNOWN }, []],
  ])("%s", (_n, input, expected) => {
    const r = bridgeAclHandler.check({}, input);
    expect(r.failures.length).toBe(expected.length);
    r.failures.forEach((f, i) => {
      expect(f.property).toBe(expected[i]!.property);
      expect(f.reason).toMatch(expected[i]!.reason);
    });
  });

  test("defaults", () => {
    expect(bridgeAclHandler.check({}, { name: "a", bridge: "br0" }).inputs).toEqual({ name: "a", bridge: "br0", action: "allow", host: {} });
  });
});

describe("asAclFile: a line is added only to a file that reads as an ACL (issue 12, defect 8)", () => {
  test.each([
    ["empty", ""],
    ["comments, allow, deny, include", "# lab\nallow br0\ndeny all\ninclude /etc/qemu/more.conf\n"],
  ])("accepted: %s", (_n, text) => expect(asAclFile(parseConf(text), "/x/bridge.conf")).toEqual(parseConf(text)));
  test.each([
    ["sudoers", "root ALL=(ALL:ALL) ALL\n", /line 1/],
    ["a typo the helper rejects too", "allow br0\nalow br1\n", /line 2/],
  ])("refused: %s", (_n, text, line) =>
    expect(() => asAclFile(parseConf(text), "/x/bridge.conf")).toThrow(new RegExp(`/x/bridge.conf does not read as a qemu-bridge-helper ACL file \\(${line.source}`)),
  );
});
