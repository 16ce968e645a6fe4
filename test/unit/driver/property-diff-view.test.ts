/**
 * The `--diff` property view against the Pulumi CLI v3.248's own text: every expected block below was printed by
 * `pulumi preview --diff` (file backend, colour off) for a dynamic resource updated from `old` to `new`, and is
 * compared here character for character. The one deliberate difference — a changed secret shows as
 * `~ key: [secret] => [secret]` where the CLI, which masks secrets before it diffs, shows it unchanged — is its own case.
 */
import { FORCES_REPLACEMENT, formatNumber, formatPropertyDiff, goQuote, lineDiff } from "../../../driver/property-diff-view";
import { diffProperties, displayDiff } from "../../../driver/property-diff";
import { makeSecret } from "../../../driver/checkpoint";
import { UNKNOWN } from "../../../driver/rpc";
import type { PropertyMap } from "../../../driver/rpc";

const view = (old: PropertyMap, next: PropertyMap, replaceKeys?: string[]) => formatPropertyDiff(diffProperties(old, next, ["__provider"]), { replaceKeys });
const lines = (...l: string[]) => l.map((x) => x + "\n").join("");

describe("formatPropertyDiff: the CLI's text", () => {
  test.each<[string, PropertyMap, PropertyMap, string]>([
    [
      "scalars: updated, added, deleted, unchanged; keys aligned, sorted",
      { count: 1, flag: true, gone: "bye", label: "one", key: "k1" },
      { count: 2, flag: true, added: "new", label: "two", key: "k1" },
      lines(
        '      + added: "new"',
        "      ~ count: 1 => 2",
        "        flag : true",
        '      - gone : "bye"',
        '        key  : "k1"',
        '      ~ label: "one" => "two"',
      ),
    ],
    [
      "nested objects and arrays, by index, unchanged elements shown",
      { list: ["x", "y"], nested: { deep: { v: 1 } }, tags: { a: "1", b: "2" }, nul: [null, 1] },
      { list: ["x", "z", "w"], nested: { deep: { v: 2, w: 3 } }, tags: { a: "1", c: "3" }, nul: [null, 2] },
      lines(
        "      ~ list  : [",
        '            [0]: "x"',
        '          ~ [1]: "y" => "z"',
        '          + [2]: "w"',
        "        ]",
        "      ~ nested: {",
        "          ~ deep: {",
        "              ~ v: 1 => 2",
        "              + w: 3",
        "            }",
        "        }",
        "      ~ nul   : [",
        "            [0]: <null>",
        "          ~ [1]: 1 => 2",
        "        ]",
        "      ~ tags  : {",
        '            a: "1"',
        '          - b: "2"',
        '          + c: "3"',
        "        }",
      ),
    ],
    [
      "added and deleted objects and arrays: every element signed; arrays of objects",
      { gone: { a: [1, 2], b: { c: true } }, objs: [{ n: 1, m: "a" }, { n: 2 }], arr: [] },
      { added: { a: [1, { q: "r" }], b: {} }, objs: [{ n: 1, m: "b" }, { n: 2 }, { n: 3, z: [1] }], arr: [1] },
      lines(
        "      + added: {",
        "          + a: [",
        "          +     [0]: 1",
        "          +     [1]: {",
        '                  + q: "r"',
        "                }",
        "            ]",
        "          + b: {}",
        "        }",
        "      ~ arr  : [",
        "          + [0]: 1",
        "        ]",
        "      - gone : {",
        "          - a: [",
        "          -     [0]: 1",
        "          -     [1]: 2",
        "            ]",
        "          - b: {",
        "              - c: true",
        "            }",
        "        }",
        "      ~ objs : [",
        "          ~ [0]: {",
        '                  ~ m: "a" => "b"',
        "                    n: 1",
        "                }",
        "            [1]: {",
        "                    n: 2",
        "                }",
        "          + [2]: {",
        "                  + n: 3",
        "                  + z: [",
        "                  +     [0]: 1",
        "                    ]",
        "                }",
        "        ]",
      ),
    ],
    [
      "a changed type: deletion then addition; empty and null count as absent",
      { t: "1", typ: "str", objToArr: { a: 1 }, e: "x", empty: "", n: null },
      { t: 1, typ: { now: "obj" }, objToArr: [1], e: "", empty: "filled", n: "set" },
      lines(
        '      - e       : "x"',
        '      + empty   : "filled"',
        '      + n       : "set"',
        "      - objToArr: {",
        "          - a: 1",
        "        }",
        "      + objToArr: [",
        "      +     [0]: 1",
        "        ]",
        '      ~ t       : "1" => 1',
        '      - typ     : "str"',
        "      + typ     : {",
        '          + now: "obj"',
        "        }",
      ),
    ],
    [
      "numbers as Go prints them; strings quoted as Go's %q",
      { num: 1.5, big: 12345678901, frac: 1234567.5, tiny: 0.00001, esc: 'a"b\\c\td', uni: "héllo ☃" },
      { num: 2.25, big: 12345678902, frac: 1234568.5, tiny: 0.00002, esc: 'a"b\\c\te', uni: "héllo ☃!" },
      lines(
        "      ~ big : 12345678901 => 12345678902",
        '      ~ esc : "a\\"b\\\\c\\td" => "a\\"b\\\\c\\te"',
        "      ~ frac: 1.2345675e+06 => 1.2345685e+06",
        "      ~ num : 1.5 => 2.25",
        "      ~ tiny: 1e-05 => 2e-05",
        '      ~ uni : "héllo ☃" => "héllo ☃!"',
      ),
    ],
    [
      "strings holding JSON or YAML: decoded and diffed as values (an unchanged one, with the CLI's blank line)",
      { json: '{"a":1,"b":[1,2]}', yaml: "a: 1\nb:\n  - x\n  - y\n", jsonKind: "[1,2]", sameJson: '{"x":1}', js: '{"a":{"b":1}}' },
      { json: '{"a":2,"b":[1,2,3]}', yaml: "a: 2\nb:\n  - x\n  - z\n", jsonKind: "- 1\n- 3\n", sameJson: '{"x":1}', js: '{"a":{"b":1}} ' },
      lines(
        '      ~ js      : "\\"{\\\\\\"a\\\\\\":{\\\\\\"b\\\\\\":1}}\\"" => "\\"{\\\\\\"a\\\\\\":{\\\\\\"b\\\\\\":1}} \\""',
        "      ~ json    : (json) {",
        "          ~ a: 1 => 2",
        "          ~ b: [",
        "                [0]: 1",
        "                [1]: 2",
        "              + [2]: 3",
        "            ]",
        "        }",
        "      ~ jsonKind: (json => yaml) [",
        "            [0]: 1",
        "          ~ [1]: 2 => 3",
        "        ]",
        "        sameJson: (json) {",
        "            x: 1",
        "        }",
        "",
        "      ~ yaml    : (yaml) {",
        "          ~ a: 1 => 2",
        "          ~ b: [",
        '                [0]: "x"',
        '              ~ [1]: "y" => "z"',
        "            ]",
        "        }",
      ),
    ],
    [
      "multi-line strings: a line diff with two lines of context, blank lines left out",
      {
        multi: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14",
        blank: "x\n\n  \ny\nz\n",
        ml: "a\nb",
        ml2: "one line",
        tr: "a\nb\n",
        long: "1\n2\n3\n4\n5\n6\n7\n8",
      },
      {
        multi: "1\n2\n3\n4\n5\nsix\n7\n8\n9\n10\n11\n12\nthirteen\n14",
        blank: "x\n\n  \nY\nz\n",
        ml: "a\nb\nc",
        ml2: "one\nline",
        tr: "a\nb",
        long: "0\n1\n2\n3\n4\n5\n6\n7\n8\n9",
      },
      lines(
        "      ~ blank: ",
        "            x",
        "          - y",
        "          + Y",
        "            z",
        "      ~ long : ",
        "          + 0",
        "            1",
        "            2",
        "            ...",
        "            6",
        "            7",
        "          - 8",
        "          + 8",
        "          + 9",
        "      ~ ml   : ",
        "            a",
        "          - b",
        "          + b",
        "          + c",
        "      ~ ml2  : ",
        "          - one line",
        "          + one",
        "          + line",
        "      ~ multi: ",
        "            ...",
        "            4",
        "            5",
        "          - 6",
        "          + six",
        "            7",
        "            8",
        "            ...",
        "            11",
        "            12",
        "          - 13",
        "          + thirteen",
        "            14",
        "      ~ tr   : ",
        "            a",
        "          - b",
        "          + b",
      ),
    ],
    [
      "secrets as [secret]: unchanged, plain to secret, added, and inside an object",
      { same: makeSecret("s-same-1"), p2s: "plain", nested: { k: makeSecret("s-old-2"), v: 1 } },
      { same: makeSecret("s-same-1"), p2s: makeSecret("s-new-3"), s: makeSecret("s-added-4"), nested: { k: makeSecret("s-new-5"), v: 1 } },
      lines(
        "      ~ nested: {",
        "          ~ k: [secret] => [secret]",
        "            v: 1",
        "        }",
        '      ~ p2s   : "plain" => [secret]',
        "      + s     : [secret]",
        "        same  : [secret]",
      ),
    ],
    [
      "a changed secret: [secret] on both sides (the CLI shows it unchanged; the driver knows it changed)",
      { password: makeSecret("old-pass-1"), obj: makeSecret({ a: "x" }) },
      { password: makeSecret("new-pass-2"), obj: makeSecret({ a: "y" }) },
      lines("      ~ obj     : [secret] => [secret]", "      ~ password: [secret] => [secret]"),
    ],
    [
      "unknowns (preview): [unknown]",
      { dep: "b!", list: ["x"] },
      { dep: UNKNOWN, list: ["x", UNKNOWN], added: UNKNOWN },
      lines("      + added: [unknown]", '      ~ dep  : "b!" => [unknown]', "      ~ list : [", '            [0]: "x"', "          + [1]: [unknown]", "        ]"),
    ],
  ])("%s", (_name, old, next, expected) => {
    expect(view(old, next)).toBe(expected);
  });

  it("changedOnly (the engine's own diff, for a provider without `diff`): the changed paths only, JSON still in full", () => {
    const old = { nested: { list: [1] }, nul: [null, 1], objs: [{ n: 1, m: "a" }, { n: 2 }], same: "s", sec: makeSecret("s-old-1"), json: '{"a":1,"b":[1,2]}' };
    const next = { nested: { list: [1, 2] }, nul: [null, 2], objs: [{ n: 1, m: "b" }, { n: 2 }, { n: 3 }], same: "s", sec: makeSecret("s-new-2"), json: '{"a":2,"b":[1,2]}' };
    expect(formatPropertyDiff({ ...diffProperties(old, next), changedOnly: true })).toBe(
      lines(
        "      ~ json  : (json) {",
        "          ~ a: 1 => 2",
        "            b: [",
        "                [0]: 1",
        "                [1]: 2",
        "            ]",
        "        }",
        "      ~ nested: {",
        "          ~ list: [",
        "              + [1]: 2",
        "            ]",
        "        }",
        "      ~ nul   : [",
        "          ~ [1]: 1 => 2",
        "        ]",
        "      ~ objs  : [",
        "          ~ [0]: {",
        '                  ~ m: "a" => "b"',
        "                }",
        "          + [2]: {",
        "                  + n: 3",
        "                }",
        "        ]",
        "      ~ sec   : [secret] => [secret]",
      ),
    );
  });

  it("never prints a secret's plaintext", () => {
    const text = view(
      { a: makeSecret("plain-old-a"), b: makeSecret({ deep: ["plain-old-b"] }), c: { d: makeSecret("plain-old-c") } },
      { a: makeSecret("plain-new-a"), b: makeSecret({ deep: ["plain-new-b"] }), c: { d: makeSecret("plain-new-c") }, e: makeSecret("plain-new-e") },
    );
    expect(text).not.toMatch(/plain-/);
    expect(text).toContain("[secret]");
  });

  it("internal keys (__provider) are never shown; when only they changed, the properties are listed unchanged", () => {
    expect(view({ __provider: "p1", x: 1 }, { __provider: "p2", x: 2 })).toBe("      ~ x: 1 => 2\n");
    expect(formatPropertyDiff(displayDiff({ __provider: "p1", x: 1, s: "a" }, { __provider: "p2", x: 1, s: "a" }))).toBe('        s: "a"\n        x: 1\n');
  });

  it("replacement keys: their first line is marked", () => {
    expect(view({ key: "k", label: "b", tags: { a: 1 } }, { key: "k2", label: "b2", tags: { a: 2 } }, ["key", "tags"])).toBe(
      lines(`      ~ key  : "k" => "k2"${FORCES_REPLACEMENT}`, '      ~ label: "b" => "b2"', `      ~ tags : {${FORCES_REPLACEMENT}`, "          ~ a: 1 => 2", "        }"),
    );
  });

  it("another indent level", () => {
    expect(formatPropertyDiff(diffProperties({ a: { b: 1 } }, { a: { b: 2 } }), { indent: 1 })).toBe(lines("  ~ a: {", "      ~ b: 1 => 2", "    }"));
  });

  it("a diff without values (an older result): the changed keys only", () => {
    expect(formatPropertyDiff({ adds: ["tag"], deletes: ["old"], updates: ["content"] }, { replaceKeys: ["content"] })).toBe(
      lines("      + tag", "      - old", `      ~ content${FORCES_REPLACEMENT}`),
    );
  });
});

describe("formatNumber: Go's %.f for integers, %g for fractions", () => {
  test.each<[number, string]>([
    [0, "0"],
    [-7, "-7"],
    [12345678901, "12345678901"],
    [1e21, "1000000000000000000000"],
    [1.5, "1.5"],
    [-0.25, "-0.25"],
    [123456.5, "123456.5"],
    [1234567.5, "1.2345675e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e-300, "1.5e-300"],
  ])("%p → %s", (n, text) => expect(formatNumber(n)).toBe(text));
});

describe("goQuote: Go's strconv.Quote", () => {
  test.each<[string, string]>([
    ["plain", '"plain"'],
    ['q"b\\s', '"q\\"b\\\\s"'],
    ["t\tn\nr\r", '"t\\tn\\nr\\r"'],
    ["\x00\x1b\x7f", '"\\x00\\x1b\\x7f"'],
    ["héllo ☃ 😀", '"héllo ☃ 😀"'],
    ["nb\u00a0sp\u2028", '"nb\\u00a0sp\\u2028"'],
  ])("%j → %s", (s, text) => expect(goQuote(s)).toBe(text));
});

describe("lineDiff", () => {
  test.each<[string, string, string, [string, string][]]>([
    ["one changed line", "a\nb\nc\n", "a\nB\nc\n", [[" ", "a\n"], ["-", "b\n"], ["+", "B\n"], [" ", "c\n"]]],
    ["a line end is part of the line", "a\nb", "a\nb\nc", [[" ", "a\n"], ["-", "b"], ["+", "b\nc"]]],
    ["deletes before inserts in one change", "x\n1\n2\ny\n", "x\n3\ny\n", [[" ", "x\n"], ["-", "1\n2\n"], ["+", "3\n"], [" ", "y\n"]]],
    ["all new", "", "a\n", [["+", "a\n"]]],
  ])("%s", (_name, a, b, chunks) => {
    expect(lineDiff(a, b).map((c) => [c.sign, c.text])).toEqual(chunks);
  });
});
