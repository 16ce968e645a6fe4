import { checkBridgeAccess, collectAcl, decideAccess, type PlacedRule } from "../../../provider/host/acl/access";
import { defaultAclPath, includeHostPath, netnsOfAclPath } from "../../../provider/host/acl/acl-paths";
import { MemoryFiles } from "../../support/memory-files";

const F = "/etc/qemu/bridge.conf";
const r = (type: PlacedRule["type"], bridge?: string, line = 1): PlacedRule => ({ type, bridge, file: F, line });

describe("decideAccess (deny wins over allow, default deny)", () => {
  test.each<[string, PlacedRule[], string, boolean]>([
    ["no rules", [], "br0", false],
    ["allow it", [r("allow", "br0")], "br0", true],
    ["allow another", [r("allow", "br1")], "br0", false],
    ["allow all", [r("allow-all")], "br0", true],
    ["allow then deny it", [r("allow", "br0"), r("deny", "br0", 2)], "br0", false],
    ["deny before allow (order does not matter)", [r("deny", "br0"), r("allow", "br0", 2)], "br0", false],
    ["deny all beats allow", [r("deny-all"), r("allow", "br0", 2)], "br0", false],
    ["deny another bridge", [r("allow", "br0"), r("deny", "br1", 2)], "br0", true],
    ["allow all with deny it", [r("allow-all"), r("deny", "br0", 2)], "br0", false],
    ["names are exact and case-sensitive", [r("allow", "BR0")], "br0", false],
  ])("%s", (_n, rules, bridge, allowed) => {
    expect(decideAccess(rules, bridge).allowed).toBe(allowed);
  });
});

describe("paths", () => {
  test.each<[string | undefined, string]>([
    [undefined, "/etc/qemu/bridge.conf"],
    ["lab1", "/etc/netns/lab1/qemu/bridge.conf"],
  ])("defaultAclPath(%j)", (ns, p) => expect(defaultAclPath(ns)).toBe(p));

  test.each<[string, string, string | undefined]>([
    ["/etc/qemu/more.conf", "/etc/qemu/bridge.conf", "/etc/qemu/more.conf"],
    ["/etc/qemu/more.conf", "/etc/netns/ns1/qemu/bridge.conf", "/etc/netns/ns1/qemu/more.conf"],
    ["/srv/acl.conf", "/etc/netns/ns1/qemu/bridge.conf", "/srv/acl.conf"],
    ["/etc/qemu/../qemu/x.conf", "/etc/netns/ns1/qemu/bridge.conf", "/etc/netns/ns1/qemu/x.conf"],
    ["more.conf", "/etc/qemu/bridge.conf", undefined],
  ])("includeHostPath(%j from %j)", (inc, conf, expected) => expect(includeHostPath(inc, conf)).toBe(expected));

  test("netnsOfAclPath", () => {
    expect(netnsOfAclPath("/etc/netns/ns1/qemu/bridge.conf")).toBe("ns1");
    expect(netnsOfAclPath("/etc/qemu/bridge.conf")).toBeUndefined();
  });
});

describe("checkBridgeAccess (files and includes)", () => {
  test.each<[string, Record<string, string>, string, boolean, RegExp]>([
    ["missing file", {}, "br0", false, /does not exist/],
    ["allowed", { [F]: "allow br0\n" }, "br0", true, /^allowed by `allow br0` \(\/etc\/qemu\/bridge.conf:1\)$/],
    ["no entry", { [F]: "# nothing\n" }, "br0", false, /no allow rule for "br0"/],
    ["deny overrides", { [F]: "allow br0\ndeny br0\n" }, "br0", false, /`deny br0` \(\/etc\/qemu\/bridge.conf:2\) denies "br0"/],
    ["broken default file denies everything", { [F]: "allow br0\nbogus\n" }, "br0", false, /rejects .*:2: Invalid config line/],
    ["allowed through include", { [F]: "include /etc/qemu/a.conf\n", "/etc/qemu/a.conf": "allow br0\n" }, "br0", true, /a\.conf:1/],
    ["deny all in include", { [F]: "allow br0\ninclude /etc/qemu/a.conf\n", "/etc/qemu/a.conf": "deny all\n" }, "br0", false, /`deny all`/],
    ["missing include ignored", { [F]: "include /etc/qemu/none.conf\nallow br0\n" }, "br0", true, /none\.conf does not exist/],
    [
      "broken include: rules before the error count, the rest ignored",
      { [F]: "include /etc/qemu/a.conf\n", "/etc/qemu/a.conf": "allow br0\nbogus x\ndeny br0\n" },
      "br0",
      true,
      /Unknown command `bogus'.*ignores the rest/,
    ],
    ["include cycle terminates", { [F]: "include /etc/qemu/a.conf\nallow br0\n", "/etc/qemu/a.conf": `include ${F}\n` }, "br0", true, /include cycle/],
    ["relative include not followed", { [F]: "include a.conf\nallow br0\n" }, "br0", true, /relative include/],
  ])("%s", async (_n, files, bridge, allowed, detail) => {
    const res = await checkBridgeAccess(new MemoryFiles(files), F, bridge);
    expect(res.allowed).toBe(allowed);
    expect(res.detail).toMatch(detail);
  });

  test("a namespace's file includes from its own /etc/qemu overlay", async () => {
    const ns = "/etc/netns/n1/qemu";
    const files = new MemoryFiles({ [`${ns}/bridge.conf`]: "include /etc/qemu/extra.conf\n", [`${ns}/extra.conf`]: "allow br0\n", "/etc/qemu/extra.conf": "deny all\n" });
    expect(await checkBridgeAccess(files, `${ns}/bridge.conf`, "br0")).toEqual({ allowed: true, detail: `allowed by \`allow br0\` (${ns}/extra.conf:1)` });
  });

  test("include depth is bounded", async () => {
    const files: Record<string, string> = { [F]: "include /d/0\n" };
    for (let i = 0; i < 20; i++) files[`/d/${i}`] = `include /d/${i + 1}\n`;
    files["/d/20"] = "allow br0\n";
    const mem = new MemoryFiles(files);
    const acl = await collectAcl(mem, F);
    expect(acl.rules).toEqual([]);
    expect(acl.notes.join()).toMatch(/deeper than 8/);
    expect(mem.reads).toBeLessThanOrEqual(10);
  });
});

describe("include fan-out (issue 12: no visited set)", () => {
  test("6 levels, each file including the next ten times: every file is read once, not 10^6 times", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`/etc/qemu/l${i}.conf`] = `include /etc/qemu/l${i + 1}.conf\n`.repeat(10);
    files["/etc/qemu/l6.conf"] = "allow br0\n";
    files["/etc/qemu/bridge.conf"] = "include /etc/qemu/l0.conf\n";
    const mem = new MemoryFiles(files);
    let reads = 0;
    const readText = mem.readText.bind(mem);
    mem.readText = (p: string) => (reads++, readText(p));
    const acl = await collectAcl(mem, "/etc/qemu/bridge.conf");
    expect(acl.rules.map((r) => `${r.type} ${(r as { bridge?: string }).bridge}`)).toEqual(["allow br0"]);
    expect(reads).toBe(8);
  });
});
