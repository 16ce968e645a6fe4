import { planNatTable, type NatTable } from "../../../provider/host/nft/nat-model";
import { parseNatRule, parseNatTable, parseTableHeader, parseTableNames, type TableHeader } from "../../../provider/host/nft/nat-parse";
import { EDITED, EDITED_TEXT, FULL, FULL_SPEC, FULL_TEXT, ODD, ODD_TEXT, TABLES } from "./nft-captured";

describe("NetworkNat nft -j parser (real nft 1.0.6 output)", () => {
  test("the table a NetworkNat wrote reads back as exactly its plan", () => {
    expect(parseNatTable(FULL, "qemu_lab_nat_lab", parseTableHeader(FULL_TEXT))).toEqual(planNatTable(FULL_SPEC));
    expect(parseNatTable(FULL, "qemu_lab_nat_lab")).toEqual(planNatTable(FULL_SPEC));
  });

  test("a dormant flag, objects added to the table and a chain policy read as they are: drift from the plan", () => {
    const plan = planNatTable(FULL_SPEC);
    const expected: NatTable = {
      flags: ["dormant"],
      foreign: ["counter c", "quota q", "set s", "map m"],
      chains: plan.chains.map((c) => (c.name === "postrouting" ? { ...c, policy: "drop" } : c)),
    };
    expect(parseNatTable(ODD, "qemu_lab_nat_lab", parseTableHeader(ODD_TEXT))).toEqual(expected);
    // Without the text listing: nft -j's misprinted flags still count as "flags set".
    expect(parseNatTable(ODD, "qemu_lab_nat_lab").flags).toEqual(["unknown"]);
  });

  test("hand edits read as they are: the deleted rule is missing, foreign rules are kept as other, chain changes show", () => {
    const expected: NatTable = {
      flags: [],
      foreign: [],
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
            { kind: "masquerade", saddr: "192.168.50.0/24", notDaddr: "192.168.50.0/24", oifname: "up0", unprivilegedPorts: false },
            { kind: "masquerade", saddr: "192.168.50.7/32", notDaddr: "192.168.50.7/32", unprivilegedPorts: false },
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
  const ip = (field: string) => ({ payload: { protocol: "ip", field } });
  const net = (addr: string, len: number) => ({ prefix: { addr, len } });
  const lan = net("10.0.0.0", 24);
  const exemptSet = { set: [net("224.0.0.0", 24), "255.255.255.255"] };
  const l4 = m({ meta: { key: "l4proto" } }, { set: ["tcp", "udp"] });
  const ctDnat = m({ ct: { key: "status" } }, "dnat", "in");
  test.each<[string, unknown[], string]>([
    ["exemption", [m(ip("saddr"), lan), m(ip("daddr"), exemptSet), { return: null }], "exempt"],
    ["exemption of other addresses", [m(ip("saddr"), lan), m(ip("daddr"), { set: [net("224.0.0.0", 4), "255.255.255.255"] }), { return: null }], "other"],
    ["exemption that accepts", [m(ip("saddr"), lan), m(ip("daddr"), exemptSet), { accept: null }], "other"],
    ["masquerade of tcp/udp to ports 1024-65535", [m(ip("saddr"), lan), m(ip("daddr"), lan, "!="), l4, { masquerade: { port: { range: [1024, 65535] } } }], "masquerade"],
    ["masquerade of tcp/udp to other ports", [m(ip("saddr"), lan), m(ip("daddr"), lan, "!="), l4, { masquerade: { port: { range: [2000, 65535] } } }], "other"],
    ["masquerade of tcp/udp without ports", [m(ip("saddr"), lan), m(ip("daddr"), lan, "!="), l4, { masquerade: null }], "other"],
    ["hairpin", [m(ip("saddr"), lan), m(ip("daddr"), lan), ctDnat, { masquerade: null }], "hairpin"],
    ["hairpin between two networks", [m(ip("saddr"), lan), m(ip("daddr"), net("10.0.1.0", 24)), ctDnat, { masquerade: null }], "other"],
    ["hairpin without ct status", [m(ip("saddr"), lan), m(ip("daddr"), lan), { masquerade: null }], "other"],
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
    expect(parseNatTable(json, "t")).toEqual({ flags: [], foreign: [], chains: [] });
  });

  test("any other object of the table is kept by kind and name; another table's objects are not", () => {
    const json = JSON.stringify({
      nftables: [
        { table: { family: "ip", name: "t", handle: 1 } },
        { flowtable: { family: "ip", name: "f", table: "t", hook: "ingress" } },
        { "ct helper": { family: "ip", name: "h", table: "t" } },
        { set: { family: "ip", name: "s", table: "other" } },
      ],
    });
    expect(parseNatTable(json, "t")).toEqual({ flags: [], foreign: ["flowtable f", "ct helper h"], chains: [] });
  });

  test.each<[string, string, RegExp]>([
    ["not JSON", "Error: something", /not JSON/],
    ["no nftables key", "{}", /unexpected nft -j output/],
    ["metainfo that is not an object", JSON.stringify({ nftables: [{ metainfo: 1 }] }), /unexpected nft -j output/],
    ["an object with two keys", JSON.stringify({ nftables: [{ set: { table: "t", name: "s" }, map: { table: "t", name: "m" } }] }), /unexpected nft -j output/],
    ["an object of no table", JSON.stringify({ nftables: [{ set: { name: "s" } }] }), /unexpected nft -j output/],
    ["a chain in the wrong shape", JSON.stringify({ nftables: [{ chain: { table: "t", name: "c", prio: "x" } }] }), /unexpected nft -j output/],
    ["a rule of a chain not listed", JSON.stringify({ nftables: [{ rule: { table: "t", chain: "c", expr: [] } }] }), /chain "c"/],
  ])("refuses %s", (_label, json, error) => {
    expect(() => parseNatTable(json, "t")).toThrow(error);
  });

  test("table names of one family", () => {
    expect(parseTableNames(TABLES)).toEqual(["qemu_lab_nat_lab", "foreign"]);
    expect(parseTableNames(TABLES, "inet")).toEqual([]);
  });

  test.each<[string, TableHeader]>([
    [EDITED_TEXT, { comment: "pulumi-qemu-lab:p/s/n#abc", flags: [] }],
    [ODD_TEXT, { comment: "pulumi-qemu-lab:p/s/n#abc", flags: ["dormant"] }],
    ["table ip t {\n\tcomment \"x\"\n\tflags dormant,owner\n}\n", { comment: "x", flags: ["dormant", "owner"] }],
    ["table ip t {\n\tchain c {\n\t\tcomment \"a chain's\"\n\t}\n}\n", { flags: [] }],
    ["table ip t {\n\tchain c {\n\t}\n\tcomment \"after a chain\"\n}\n", { flags: [] }],
    ["table ip t {\n}\n", { flags: [] }],
    ["", { flags: [] }],
  ])("table header of %#", (text, header) => {
    expect(parseTableHeader(text)).toEqual(header);
  });
});
