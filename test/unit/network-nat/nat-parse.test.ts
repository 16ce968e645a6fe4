import { planNatTable, type NatTable } from "../../../provider/host/nft/nat-model";
import { parseNatRule, parseNatTable, parseTableComment, parseTableNames } from "../../../provider/host/nft/nat-parse";
import { EDITED, EDITED_TEXT, FULL, FULL_SPEC, TABLES } from "./nft-captured";

describe("NetworkNat nft -j parser (real nft 1.0.6 output)", () => {
  test("the table a NetworkNat wrote reads back as exactly its plan", () => {
    expect(parseNatTable(FULL, "qemu_lab_nat_lab")).toEqual(planNatTable(FULL_SPEC));
  });

  test("hand edits read as they are: the deleted rule is missing, foreign rules are kept as other, chain changes show", () => {
    const expected: NatTable = {
      chains: [
        {
          name: "prerouting", type: "nat", hook: "prerouting", priority: -100, policy: "accept",
          rules: [
            { kind: "dnat", notLoopback: false, protocol: "tcp", dport: 8080, toAddress: "192.168.50.10", toPort: 80 },
            { kind: "dnat", daddr: "203.0.113.1", notLoopback: false, protocol: "udp", dport: 53, toAddress: "192.168.50.10", toPort: 53 },
            {
              kind: "other",
              expr: JSON.stringify([
                { counter: { packets: 0, bytes: 0 } },
                { match: { op: "==", left: { payload: { protocol: "tcp", field: "dport" } }, right: 22 } },
                { dnat: { addr: "192.168.50.11", port: 22 } },
              ]),
            },
            {
              kind: "other",
              expr: JSON.stringify({
                expr: [{ match: { op: "==", left: { payload: { protocol: "tcp", field: "dport" } }, right: 2222 } }, { dnat: { addr: "192.168.50.11", port: 22 } }],
                comment: "by hand",
              }),
            },
          ],
        },
        {
          name: "output", type: "nat", hook: "output", priority: -100, policy: "accept",
          rules: [{ kind: "dnat", daddr: "203.0.113.1", notLoopback: false, protocol: "udp", dport: 53, toAddress: "192.168.50.10", toPort: 53 }],
        },
        {
          name: "postrouting", type: "nat", hook: "postrouting", priority: 100, policy: "drop",
          rules: [
            { kind: "masquerade", saddr: "192.168.50.0/24", notDaddr: "192.168.50.0/24", oifname: "up0" },
            { kind: "masquerade", saddr: "192.168.50.7/32", notDaddr: "192.168.50.7/32" },
          ],
        },
        { name: "regular", type: "", hook: "", priority: 0, policy: "", rules: [] },
      ],
    };
    expect(parseNatTable(EDITED, "qemu_lab_nat_lab")).toEqual(expected);
  });

  const m = (left: unknown, right: unknown, op = "==") => ({ match: { op, left, right } });
  const dport = m({ payload: { protocol: "tcp", field: "dport" } }, 80);
  const dnat = { dnat: { addr: "10.0.0.2", port: 80 } };
  const fib = m({ fib: { result: "type", flags: ["daddr"] } }, "local");
  test.each<[string, unknown[], string]>([
    ["fib local + dport + dnat", [fib, dport, dnat], "dnat"],
    ["dport + dnat without a destination match", [dport, dnat], "other"],
    ["dnat with a port range", [fib, dport, { dnat: { addr: "10.0.0.2", port: { range: [80, 90] } } }], "other"],
    ["dnat with flags", [fib, dport, { dnat: { addr: "10.0.0.2", port: 80, flags: ["random"] } }], "other"],
    ["dport in a set", [fib, m({ payload: { protocol: "tcp", field: "dport" } }, { set: [80, 81] }), dnat], "other"],
    ["trailing expression", [fib, dport, dnat, { counter: null }], "other"],
    ["daddr negated", [m({ payload: { protocol: "ip", field: "daddr" } }, "1.2.3.4", "!="), dport, dnat], "other"],
    ["masquerade with a port range", [m({ payload: { protocol: "ip", field: "saddr" } }, "1.2.3.4"), m({ payload: { protocol: "ip", field: "daddr" } }, "1.2.3.4", "!="), { masquerade: { port: 1 } }], "other"],
    ["masquerade without the destination exemption", [m({ payload: { protocol: "ip", field: "saddr" } }, "1.2.3.4"), { masquerade: null }], "other"],
    ["empty", [], "other"],
  ])("rule %s reads as %s", (_label, expr, kind) => {
    expect(parseNatRule(expr).kind).toBe(kind);
  });

  test("a table with only some chains keeps only the chains of the asked table", () => {
    const json = JSON.stringify({ nftables: [{ metainfo: {} }, { table: { family: "ip", name: "t" } }, { chain: { family: "ip", table: "other", name: "c", type: "nat", hook: "output", prio: 0, policy: "accept" } }] });
    expect(parseNatTable(json, "t")).toEqual({ chains: [] });
  });

  test.each<[string, string, RegExp]>([
    ["not JSON", "Error: something", /not JSON/],
    ["no nftables key", "{}", /unexpected nft -j output/],
    ["a rule of a chain not listed", JSON.stringify({ nftables: [{ rule: { table: "t", chain: "c", expr: [] } }] }), /chain "c"/],
  ])("refuses %s", (_label, json, error) => {
    expect(() => parseNatTable(json, "t")).toThrow(error);
  });

  test("table names of one family", () => {
    expect(parseTableNames(TABLES)).toEqual(["qemu_lab_nat_lab", "foreign"]);
    expect(parseTableNames(TABLES, "inet")).toEqual([]);
  });

  test.each<[string, string | undefined]>([
    [EDITED_TEXT, "pulumi-qemu-lab:p/s/n#abc"],
    ["table ip t {\n\tchain c {\n\t\tcomment \"a chain's\"\n\t}\n}\n", undefined],
    ["table ip t {\n}\n", undefined],
  ])("table comment of %#", (text, comment) => {
    expect(parseTableComment(text)).toBe(comment);
  });
});
