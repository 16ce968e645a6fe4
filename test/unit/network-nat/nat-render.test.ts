import { natTableName, planNatTable, type NatRule, type NatTable } from "../../../provider/host/nft/nat-model";
import { FULL_SPEC } from "./nft-captured";
import { renderNatRule, renderNatTable, renderNatTableDelete, safeComment } from "../../../provider/host/nft/nat-render";

describe("NetworkNat nft renderer", () => {
  test("the whole table as one transaction that replaces it", () => {
    expect(renderNatTable(natTableName("lab"), "pulumi-qemu-lab:p/s/n#abc", planNatTable(FULL_SPEC))).toBe(
      [
        "table ip qemu_lab_nat_lab",
        "delete table ip qemu_lab_nat_lab",
        "table ip qemu_lab_nat_lab {",
        '\tcomment "pulumi-qemu-lab:p/s/n#abc"',
        "\tchain prerouting {",
        "\t\ttype nat hook prerouting priority -100; policy accept;",
        "\t\tfib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080 dnat to 192.168.50.10:80",
        "\t\tip daddr 203.0.113.1 udp dport 53 dnat to 192.168.50.10:53",
        "\t}",
        "",
        "\tchain output {",
        "\t\ttype nat hook output priority -100; policy accept;",
        "\t\tfib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080 dnat to 192.168.50.10:80",
        "\t\tip daddr 203.0.113.1 udp dport 53 dnat to 192.168.50.10:53",
        "\t}",
        "",
        "\tchain postrouting {",
        "\t\ttype nat hook postrouting priority 100; policy accept;",
        '\t\tip saddr 192.168.50.0/24 ip daddr { 224.0.0.0/24, 255.255.255.255 } oifname "up0" return',
        '\t\tip saddr 192.168.50.0/24 ip daddr != 192.168.50.0/24 oifname "up0" meta l4proto { tcp, udp } masquerade to :1024-65535',
        '\t\tip saddr 192.168.50.0/24 ip daddr != 192.168.50.0/24 oifname "up0" masquerade',
        "\t\tip saddr 192.168.50.0/24 ip daddr 192.168.50.0/24 ct status dnat masquerade",
        "\t}",
        "}",
        "",
      ].join("\n"),
    );
  });

  test("no forwards, no outInterface, no owner: empty DNAT chains, masquerade on any interface, no comment", () => {
    expect(renderNatTable("qemu_lab_nat_x", undefined, planNatTable({ sourceCidr: "10.0.0.0/8", forwards: [] }))).toBe(
      "table ip qemu_lab_nat_x\ndelete table ip qemu_lab_nat_x\ntable ip qemu_lab_nat_x {\n" +
        "\tchain prerouting {\n\t\ttype nat hook prerouting priority -100; policy accept;\n\t}\n\n" +
        "\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n\t}\n\n" +
        "\tchain postrouting {\n\t\ttype nat hook postrouting priority 100; policy accept;\n" +
        "\t\tip saddr 10.0.0.0/8 ip daddr { 224.0.0.0/24, 255.255.255.255 } return\n" +
        "\t\tip saddr 10.0.0.0/8 ip daddr != 10.0.0.0/8 meta l4proto { tcp, udp } masquerade to :1024-65535\n" +
        "\t\tip saddr 10.0.0.0/8 ip daddr != 10.0.0.0/8 masquerade\n" +
        "\t\tip saddr 10.0.0.0/8 ip daddr 10.0.0.0/8 ct status dnat masquerade\n\t}\n}\n",
    );
  });

  test("delete", () => {
    expect(renderNatTableDelete("qemu_lab_nat_a-b")).toBe("delete table ip qemu_lab_nat_a-b\n");
  });

  test.each<[string, string]>([
    ["pulumi-qemu-lab:p/s/n#abc", "pulumi-qemu-lab:p/s/n#abc"],
    ['a"b\\c', "a_b_c"],
    ["x\ny", "x_y"],
    ["é", "_"],
    ["z".repeat(128), "z".repeat(128)],
    ["z".repeat(200), "z".repeat(101) + "~983a71da8178~" + "z".repeat(13)],
    // The longest owner label keeps its #tag, and a hash of what was cut.
    [`pulumi-qemu-lab:p/s/${"n".repeat(190)}#0123456789ab`, `pulumi-qemu-lab:p/s/${"n".repeat(81)}~917bedf3130e~#0123456789ab`],
  ])("comment %j is written as %j", (text, safe) => {
    expect(safeComment(text)).toBe(safe);
    expect(safe.length).toBeLessThanOrEqual(128);
  });

  // Defence in depth: check refuses these first; the renderer never writes them into an nft file.
  test.each<[string, NatRule]>([
    ["address with a newline", { kind: "dnat", notLoopback: false, protocol: "tcp", dport: 1, toAddress: "1.2.3.4\nflush ruleset", toPort: 1 }],
    ["daddr not an address", { kind: "dnat", daddr: "any", notLoopback: false, protocol: "tcp", dport: 1, toAddress: "1.2.3.4", toPort: 1 }],
    ["port 0", { kind: "dnat", notLoopback: false, protocol: "tcp", dport: 0, toAddress: "1.2.3.4", toPort: 1 }],
    ["port 65536", { kind: "dnat", notLoopback: false, protocol: "udp", dport: 1, toAddress: "1.2.3.4", toPort: 65536 }],
    ["protocol icmp", { kind: "dnat", notLoopback: false, protocol: "icmp" as "tcp", dport: 1, toAddress: "1.2.3.4", toPort: 1 }],
    ["interface with a quote", { kind: "masquerade", saddr: "10.0.0.0/8", notDaddr: "10.0.0.0/8", oifname: 'a" accept', unprivilegedPorts: false }],
    ["interface too long", { kind: "exempt", saddr: "10.0.0.0/8", oifname: "a".repeat(16) }],
    ["network without a prefix", { kind: "masquerade", saddr: "10.0.0.0", notDaddr: "10.0.0.0/8", unprivilegedPorts: true }],
    ["prefix 33", { kind: "masquerade", saddr: "10.0.0.0/33", notDaddr: "10.0.0.0/8", unprivilegedPorts: false }],
    ["network with host bits", { kind: "exempt", saddr: "10.0.0.1/8" }],
    ["hairpin network with a newline", { kind: "hairpin", net: "10.0.0.0/8\nflush ruleset" }],
    ["a rule that is not ours", { kind: "other", expr: "[]" }],
  ])("refuses to render %s", (_label, rule) => {
    expect(() => renderNatRule(rule)).toThrow(/invalid|not ours/);
  });

  test("refuses a table name nft would read as something else", () => {
    expect(() => renderNatTable("x; flush ruleset", undefined, { flags: [], foreign: [], chains: [] })).toThrow(/invalid nft table/);
  });

  test.each<[string, NatTable]>([
    ["flags", { flags: ["dormant"], foreign: [], chains: [] }],
    ["a set", { flags: [], foreign: ["set s"], chains: [] }],
  ])("refuses a table with %s (a plan has none)", (_label, table) => {
    expect(() => renderNatTable("t", undefined, table)).toThrow(/no table flags or sets/);
  });
});
