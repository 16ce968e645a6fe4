import { parseConf, renderConf } from "../../../provider/host/acl/conf-file";
import { findEntry, indexEntries, markerLine, ownedIds, parseMarker, reclaimEntry, removeEntry, renameEntry, ruleFor, upsertEntry } from "../../../provider/host/acl/owned-entries";

const M = (id: string, br: string) => markerLine(id, br);

describe("parseConf/renderConf are lossless", () => {
  test.each<[string, string]>([
    ["empty", ""],
    ["single newline", "\n"],
    ["no final newline", "allow br0"],
    ["CRLF", "allow br0\r\n# c\r\n"],
    ["odd whitespace and comments", "  allow \t br0  \n\n\t# comment\n\n"],
    ["trailing blank lines", "deny all\n\n\n"],
    ["utf-8 comment", "# café ☕\nallow br0\n"],
  ])("%s", (_n, text) => {
    expect(renderConf(parseConf(text))).toBe(text);
  });
});

describe("upsertEntry then removeEntry gives back the original bytes", () => {
  test.each<[string, string, string]>([
    ["empty file", "", `${M("a.1", "br0")}\nallow br0\n`],
    ["file with final newline", "# keep\n  allow  x  \n", `# keep\n  allow  x  \n${M("a.1", "br0")}\nallow br0\n`],
    ["file without final newline", "# keep\ndeny y", `# keep\ndeny y\n${M("a.1", "br0")}\nallow br0`],
    ["CRLF file", "allow x\r\n", `allow x\r\n${M("a.1", "br0")}\nallow br0\n`],
  ])("%s", (_n, before, withEntry) => {
    const added = renderConf(upsertEntry(parseConf(before), "a.1", "allow", "br0"));
    expect(added).toBe(withEntry);
    expect(renderConf(removeEntry(parseConf(added), "a.1"))).toBe(before);
  });
});

describe("upsertEntry", () => {
  test.each<[string, string, "allow" | "deny", string, string]>([
    ["rewrites our line in place", `x\n${M("a", "br0")}\nallow br0\ny\n`, "deny", "br0", `x\n${M("a", "br0")}\ndeny br0\ny\n`],
    ["canonicalizes a hand-spaced line of ours", `${M("a", "br0")}\n  allow   br0 \n`, "allow", "br0", `${M("a", "br0")}\nallow br0\n`],
    ["restores the line under an orphaned marker", `${M("a", "br0")}\n# other\n`, "allow", "br0", `${M("a", "br0")}\nallow br0\n# other\n`],
    ["is idempotent", `${M("a", "br0")}\nallow br0\n`, "allow", "br0", `${M("a", "br0")}\nallow br0\n`],
    ["moves our entry to a new bridge", `${M("a", "br0")}\nallow br0\nz\n`, "allow", "br1", `z\n${M("a", "br1")}\nallow br1\n`],
    ["leaves other owners' entries alone", `${M("b", "br0")}\nallow br0\n`, "deny", "br0", `${M("b", "br0")}\nallow br0\n${M("a", "br0")}\ndeny br0\n`],
    ["allow all", "", "allow", "all", `${M("a", "all")}\nallow all\n`],
  ])("%s", (_n, before, action, bridge, after) => {
    expect(renderConf(upsertEntry(parseConf(before), "a", action, bridge))).toBe(after);
  });
});

describe("removeEntry", () => {
  test.each<[string, string, string]>([
    ["only ours; foreign same-bridge line kept", `allow br0\n${M("a", "br0")}\nallow br0\n# end`, "allow br0\n# end"],
    ["orphaned marker removed, foreign line under it kept", `${M("a", "br0")}\nallow br9\n`, "allow br9\n"],
    ["absent: unchanged", "allow br0\n", "allow br0\n"],
    ["duplicated by hand: all copies", `${M("a", "br0")}\nallow br0\n${M("a", "br0")}\nallow br0\n`, ""],
    ["other ids untouched", `${M("b", "br0")}\nallow br0\n${M("a", "br0")}\ndeny br0\n`, `${M("b", "br0")}\nallow br0\n`],
  ])("%s", (_n, before, after) => {
    expect(renderConf(removeEntry(parseConf(before), "a"))).toBe(after);
  });
});

describe("findEntry (ownership)", () => {
  test.each<[string, string, unknown]>([
    ["marker + line", `# x\n${M("a", "br0")}\nallow br0\n`, { markerIndex: 1, bridge: "br0", rule: { index: 2, text: "allow br0", action: "allow" } }],
    ["action flipped by hand", `${M("a", "br0")}\ndeny  br0\n`, { markerIndex: 0, bridge: "br0", rule: { index: 1, text: "deny  br0", action: "deny" } }],
    ["line deleted by hand", `${M("a", "br0")}\n`, { markerIndex: 0, bridge: "br0", rule: undefined }],
    ["line deleted, a foreign line for another bridge slid under the marker", `${M("a", "br0")}\nallow br1\n`, { markerIndex: 0, bridge: "br0", rule: undefined }],
    ["line commented out by hand", `${M("a", "br0")}\n#allow br0\n`, { markerIndex: 0, bridge: "br0", rule: undefined }],
    ["deny all under an all marker", `${M("a", "all")}\ndeny all\n`, { markerIndex: 0, bridge: "all", rule: { index: 1, text: "deny all", action: "deny" } }],
    ["CRLF marker", `${M("a", "br0")}\r\nallow br0\r\n`, { markerIndex: 0, bridge: "br0", rule: { index: 1, text: "allow br0\r", action: "allow" } }],
    ["other id only", `${M("b", "br0")}\nallow br0\n`, undefined],
    ["marker text inside a longer comment is not ours", `# note: ${M("a", "br0")}\nallow br0\n`, undefined],
  ])("%s", (_n, text, expected) => {
    expect(findEntry(parseConf(text), "a")).toEqual(expected);
  });

  test("ownedIds lists every marker", () => {
    expect(ownedIds(parseConf(`${M("a", "x")}\nallow x\nallow y\n${M("b", "y")}\ndeny y\n`))).toEqual(["a", "b"]);
  });

  test.each<[string, string, string | undefined]>([
    ["allow br0", "br0", "allow"],
    ["deny br0", "br0", "deny"],
    ["allow br0 # c", "br0", undefined],
    ["allow all", "all", "allow"],
    ["allow br00", "br0", undefined],
    ["include br0", "br0", undefined],
  ])("ruleFor(%j, %j)", (line, bridge, expected) => {
    expect(ruleFor(line, bridge)).toBe(expected);
  });
});

test("indexEntries agrees with findEntry for every id", () => {
  const text = `x\n${M("a", "br0")}\nallow br0\n${M("b", "br1")}\n# gone\n${M("c", "all")}\ndeny all\n${M("a", "br0")}\ndeny br0\n`;
  const conf = parseConf(text);
  const idx = indexEntries(conf);
  expect([...idx.keys()]).toEqual(["a", "b", "c"]);
  for (const id of ["a", "b", "c"]) expect(idx.get(id)).toEqual(findEntry(conf, id));
});

describe("markers carry the owner; a killed create's entry is reclaimed, not duplicated", () => {
  const conf = (text: string) => parseConf(text);
  test("a marker with and without an owner parses", () => {
    expect(parseMarker("# pulumi-qemu-lab: BridgeAcl id=a.1 bridge=br0 owner=lab/dev/acl#ab12")).toEqual({ id: "a.1", bridge: "br0", owner: "lab/dev/acl#ab12" });
    expect(parseMarker("# pulumi-qemu-lab: BridgeAcl id=a.1 bridge=br0")).toEqual({ id: "a.1", bridge: "br0", owner: undefined });
  });
  test.each<[string, string, string]>([
    [
      "our owner, same bridge: the marker takes the new id",
      "deny x\n# pulumi-qemu-lab: BridgeAcl id=old.1 bridge=br0 owner=o#1\nallow br0\n",
      "deny x\n# pulumi-qemu-lab: BridgeAcl id=new.2 bridge=br0 owner=o#1\nallow br0\n",
    ],
    ["another owner: untouched", "# pulumi-qemu-lab: BridgeAcl id=old.1 bridge=br0 owner=o#9\nallow br0\n", "# pulumi-qemu-lab: BridgeAcl id=old.1 bridge=br0 owner=o#9\nallow br0\n"],
    ["our owner, another bridge (a replacement in progress): untouched", "# pulumi-qemu-lab: BridgeAcl id=old.1 bridge=br1 owner=o#1\nallow br1\n", "# pulumi-qemu-lab: BridgeAcl id=old.1 bridge=br1 owner=o#1\nallow br1\n"],
    ["a marker without owner (written by an earlier release): untouched", "# pulumi-qemu-lab: BridgeAcl id=old.1 bridge=br0\nallow br0\n", "# pulumi-qemu-lab: BridgeAcl id=old.1 bridge=br0\nallow br0\n"],
  ])("%s", (_n, before, after) => {
    const reclaimed = reclaimEntry(conf(before), "new.2", "br0", "o#1");
    expect(reclaimed.from).toBe(after.includes("id=new.2") ? "old.1" : undefined);
    // Undoing the take-over gives the entry its old id back, byte for byte.
    if (reclaimed.from) expect(renderConf(renameEntry(reclaimed.conf, "new.2", reclaimed.from))).toBe(before);
    expect(renderConf(upsertEntry(reclaimed.conf, "new.2", "allow", "br0", "o#1"))).toBe(
      after.includes("id=new.2") ? after : after + "# pulumi-qemu-lab: BridgeAcl id=new.2 bridge=br0 owner=o#1\nallow br0\n",
    );
  });
});
