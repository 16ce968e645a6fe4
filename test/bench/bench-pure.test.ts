import { batchDestroyLines, batchUpLines } from "../../bench/baselines/ip-batch";
import { libvirtNetworkXml } from "../../bench/baselines/libvirt";
import { processCount, shellDestroyScript, shellUpScript } from "../../bench/baselines/shell-script";
import { labAclPath, labBridge, labResourceCount } from "../../bench/lab-spec";
import { commandKey, parseProbeLog, profile } from "../../bench/probe-log";
import { natLease, natShellDestroySteps, natShellNft, natShellReadSteps, natShellUpSteps, scriptOf, stepProcesses } from "../../bench/baselines/nat-shell";
import { isDhcpSpawn, isNftSpawn, type NatSamples } from "../../bench/nat-network";
import { cliProfileTable, cliTable, cliTargetRows, natTable, natTargetRow, pipeTable, type BenchResult, type TargetRow } from "../../bench/report";
import { createdCount, type CliSamples } from "../../bench/cli-floor";
import { ownerOf, summarizeCpuProfile, type CpuProfile } from "../../bench/floor/cpu-profile";
import { linearFit, median, ratio } from "../../bench/stats";

describe("lab spec", () => {
  test.each([
    [0, { bridge: "qlbr0", address: "10.0.0.1/24", veth: "qlv0", peer: "qlp0" }],
    [99, { bridge: "qlbr99", address: "10.0.99.1/24", veth: "qlv99", peer: "qlp99" }],
    [300, { bridge: "qlbr300", address: "10.1.44.1/24", veth: "qlv300", peer: "qlp300" }],
  ])("bridge %i", (i, expected) => expect(labBridge(i)).toEqual(expected));

  test("paths and counts", () => {
    expect(labAclPath("ns1")).toBe("/etc/netns/ns1/qemu/bridge.conf");
    expect(labResourceCount(100)).toBe(401);
  });
});

describe("baseline scripts", () => {
  test("shell script: one process per step", () => {
    const up = shellUpScript("ns1", 1);
    expect(up).toBe(
      [
        "set -e",
        "ip netns add ns1",
        "ip -n ns1 link set lo up",
        "mkdir -p /etc/qemu /etc/netns/ns1/qemu",
        "ip -n ns1 link add name qlbr0 type bridge",
        "ip -n ns1 addr add 10.0.0.1/24 dev qlbr0",
        "ip -n ns1 link set dev qlbr0 up",
        "echo 'allow qlbr0' >> /etc/netns/ns1/qemu/bridge.conf",
        "ip -n ns1 link add name qlv0 type veth peer name qlp0",
        "ip -n ns1 link set dev qlv0 master qlbr0",
        "ip -n ns1 link set dev qlv0 up",
        "ip -n ns1 link set dev qlp0 up",
        "",
      ].join("\n"),
    );
    expect(processCount(up)).toBe(10);
    expect(processCount(shellUpScript("ns1", 100))).toBe(703);
    expect(processCount(shellDestroyScript("ns1", 100))).toBe(202);
  });

  test("ip -batch lines mirror the shell steps", () => {
    expect(batchUpLines(1).split("\n")).toEqual([
      "link set lo up",
      "link add name qlbr0 type bridge",
      "addr add 10.0.0.1/24 dev qlbr0",
      "link set dev qlbr0 up",
      "link add name qlv0 type veth peer name qlp0",
      "link set dev qlv0 master qlbr0",
      "link set dev qlv0 up",
      "link set dev qlp0 up",
      "",
    ]);
    expect(batchDestroyLines(2)).toBe("link delete dev qlv0\nlink delete dev qlbr0\nlink delete dev qlv1\nlink delete dev qlbr1\n");
  });

  test("libvirt network XML", () => {
    expect(libvirtNetworkXml("qlb1a2b", 7)).toBe(
      "<network><name>qlb1a2b-7</name><bridge name='qlvb1a2b7' stp='off'/><ip address='10.0.7.1' netmask='255.255.255.0'/></network>",
    );
  });
});

describe("stats", () => {
  test.each<[number[], number]>([
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])("median(%j) = %d", (xs, m) => expect(median(xs)).toBe(m));

  test("median of nothing is NaN; ratio guards", () => {
    expect(median([])).toBeNaN();
    expect(ratio(2, 4)).toBe(0.5);
    expect(ratio(2, 0)).toBeUndefined();
    expect(ratio(undefined, 4)).toBeUndefined();
  });

  test("linear fit", () => {
    expect(linearFit([{ n: 10, ms: 1100 }, { n: 50, ms: 1500 }, { n: 100, ms: 2000 }])).toEqual({ slope: 10, intercept: 1000, maxDeviation: 0 });
    const bent = linearFit([{ n: 10, ms: 100 }, { n: 50, ms: 500 }, { n: 100, ms: 3000 }])!;
    expect(bent.maxDeviation).toBeGreaterThan(0.5);
    expect(linearFit([{ n: 3, ms: 1 }])).toBeUndefined();
  });
});

describe("probe log", () => {
  test("parses spawns and the peak", () => {
    const text = [
      '{"pid":1,"t":10,"spawn":"spawn","argv":["ip","-n","ns","-j","-d","addr","show"]}',
      '{"pid":1,"t":11,"spawn":"spawn","argv":["ip","-n","ns","-force","-batch","-"]}',
      '{"pid":1,"t":12,"vmHwmKiB":1000}',
      '{"pid":2,"t":13,"vmHwmKiB":2000}',
      "",
    ].join("\n");
    const s = parseProbeLog(text);
    expect(s.spawns).toHaveLength(2);
    expect(s.peakKiB).toBe(2000);
    expect(profile(s.spawns)).toEqual([
      ["ip -batch", 1],
      ["ip addr show", 1],
    ]);
    expect(parseProbeLog("")).toEqual({ spawns: [], peakKiB: undefined, heapPeakKiB: undefined });
    expect(parseProbeLog('{"pid":1,"t":1,"vmHwmKiB":9,"heapUsedPeakKiB":4}\n').heapPeakKiB).toBe(4);
  });

  test.each<[string[], string]>([
    [["ip", "-n", "lab", "-j", "-d", "addr", "show"], "ip addr show"],
    [["ip", "netns", "exec", "lab", "cat", "/x"], "ip cat /x"],
    [["/usr/bin/qemu-system-x86_64", "-name", "vm"], "qemu-system-x86_64 vm"],
  ])("commandKey(%j)", (argv, key) => expect(commandKey(argv)).toBe(key));
});

test("pipe table", () => {
  expect(pipeTable(["a", "bb"], [["1", "2"], ["333", ""]])).toBe("| a   | bb |\n|-----|----|\n| 1   | 2  |\n| 333 |    |");
});

describe("NatNetwork baseline and row", () => {
  const dir = "/tmp/qlbench-nat-x/shell";

  test.each([
    [0, { mac: "52:54:00:00:00:00", ip: "192.168.122.10", hostname: "vm0", hostPort: 20000 }],
    [19, { mac: "52:54:00:00:00:13", ip: "192.168.122.29", hostname: "vm19", hostPort: 20019 }],
    [244, { mac: "52:54:00:00:00:f4", ip: "192.168.122.254", hostname: "vm244", hostPort: 20244 }],
  ])("lease %i", (i, expected) => expect(natLease(i)).toEqual(expected));

  test.each([1, 3, 20])("process counts do not depend on the number of leases (%i)", (n) => {
    expect(stepProcesses(natShellUpSteps("ns1", n, dir))).toBe(10);
    expect(stepProcesses(natShellReadSteps("ns1", dir))).toBe(3);
    expect(stepProcesses(natShellDestroySteps("ns1", dir))).toBe(5);
  });

  test("up script: one process per step, files written by cat (process) and printf (builtin)", () => {
    const steps = natShellUpSteps("ns1", 2, dir);
    expect(steps.map((s) => [s.text.split("\n")[0], s.processes])).toEqual([
      ["ip netns add ns1", 1],
      ["ip -n ns1 link set lo up", 1],
      ["ip -n ns1 link add name qlnat0 type bridge", 1],
      ["ip -n ns1 addr add 192.168.122.1/24 dev qlnat0", 1],
      ["ip -n ns1 link set dev qlnat0 up", 1],
      [`mkdir -p /etc/qemu /etc/netns/ns1/qemu ${dir}`, 1],
      ["echo 'allow qlnat0' >> /etc/netns/ns1/qemu/bridge.conf", 0],
      [`cat > ${dir}/dnsmasq.conf <<'EOF'`, 1],
      [`printf '%s\\n' '52:54:00:00:00:00,192.168.122.10,vm0' '52:54:00:00:00:01,192.168.122.11,vm1' > ${dir}/hosts`, 0],
      [`printf '%s\\n' '192.168.122.10 vm0' '192.168.122.11 vm1' > ${dir}/names`, 0],
      [`ip netns exec ns1 dnsmasq --conf-file=${dir}/dnsmasq.conf --pid-file=${dir}/dnsmasq.pid`, 1],
      ["ip netns exec ns1 nft -f - <<'EOF'", 1],
      ["ip netns exec ns1 sysctl -qw net.ipv4.ip_forward=1", 1],
    ]);
    expect(scriptOf(steps).startsWith("set -e\nip netns add ns1\n")).toBe(true);
    expect(steps[7]!.text).toContain(`\ndhcp-hostsfile=${dir}/hosts\n`);
    expect(steps[7]!.text.endsWith("\nexpand-hosts\nEOF")).toBe(true);
  });

  test("nft table: each forward in prerouting and output, and libvirt's masquerade rules (as NetworkNat writes them)", () => {
    expect(natShellNft(1)).toBe(
      [
        "table ip qemu_lab_nat_shell {",
        "\tchain prerouting {",
        "\t\ttype nat hook prerouting priority -100; policy accept;",
        "\t\tfib daddr type local ip daddr != 127.0.0.0/8 tcp dport 20000 dnat to 192.168.122.10:22",
        "\t}",
        "\tchain output {",
        "\t\ttype nat hook output priority -100; policy accept;",
        "\t\tfib daddr type local ip daddr != 127.0.0.0/8 tcp dport 20000 dnat to 192.168.122.10:22",
        "\t}",
        "\tchain postrouting {",
        "\t\ttype nat hook postrouting priority 100; policy accept;",
        "\t\tip saddr 192.168.122.0/24 ip daddr { 224.0.0.0/24, 255.255.255.255 } return",
        "\t\tip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 meta l4proto { tcp, udp } masquerade to :1024-65535",
        "\t\tip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 masquerade",
        "\t\tip saddr 192.168.122.0/24 ip daddr 192.168.122.0/24 ct status dnat masquerade",
        "\t}",
        "}",
      ].join("\n"),
    );
    expect(natShellNft(20).match(/ dnat to /g)).toHaveLength(40);
  });

  test("read-back and teardown", () => {
    expect(scriptOf(natShellReadSteps("ns1", dir))).toBe(
      `set -e\nip netns exec ns1 nft -j list table ip qemu_lab_nat_shell\ncat ${dir}/leases\nip -n ns1 -j -d addr show\n`,
    );
    expect(scriptOf(natShellDestroySteps("ns1", dir))).toBe(
      [
        "set -e",
        `kill $(cat ${dir}/dnsmasq.pid)`,
        "ip netns exec ns1 nft delete table ip qemu_lab_nat_shell",
        "ip -n ns1 link del qlnat0",
        `rm -rf ${dir} /etc/netns/ns1`,
        "ip netns delete ns1",
        "",
      ].join("\n"),
    );
  });

  test.each<[string[], boolean, boolean]>([
    [["ip", "netns", "exec", "ns", "nft", "-j", "list", "table", "ip", "qemu_lab_nat_x"], true, false],
    [["ip", "netns", "exec", "ns", "sysctl", "-n", "net.ipv4.ip_forward"], false, false],
    [["ip", "netns", "exec", "ns", "dnsmasq", "--conf-file=/s/dhcp/x/dnsmasq.conf"], false, true],
    [["kill", "-HUP", "12"], false, true],
    [["cat", "/s/dhcp/x/leases"], false, true],
    [["ip", "-n", "ns", "-j", "addr", "show"], false, false],
  ])("classify %j", (argv, nft, dhcp) => {
    expect(isNftSpawn(argv)).toBe(nft);
    expect(isDhcpSpawn(argv)).toBe(dhcp);
  });

  const nat = (refresh: number, control?: number): NatSamples => ({
    leases: 20,
    resources: 5,
    provider: {
      up: [2000],
      refresh: [1000],
      destroy: [800],
      upSpawns: [19],
      refreshSpawns: [refresh],
      destroySpawns: [8],
      refreshNft: [1],
      refreshDhcp: [0],
      drift: [[]],
      commands: { up: [], refresh: [["ip nft list table", 1], ["ip sysctl", 1]], destroy: [] },
    },
    shell: { up: [50], refresh: [20], destroy: [100], upProcesses: 10, refreshProcesses: 3, destroyProcesses: 5 },
    control: control === undefined ? undefined : { leases: 3, refreshSpawns: control, commands: [["ip nft list table", 1]] },
  });
  const result = (n: NatSamples | undefined): BenchResult => ({
    date: "d",
    short: false,
    reps: 1,
    sizes: [],
    machine: {} as BenchResult["machine"],
    labs: [],
    natNetwork: n,
    natNote: n ? undefined : "failed: no dnsmasq",
  });

  test("table and refresh-processes line", () => {
    const text = natTable(nat(4, 4));
    expect(text).toContain("| up                        | 2.000      | 0.050   | 40.00×         |");
    expect(text).toContain("processes provider / shell: up 19 / 10, refresh 4 / 3, destroy 8 / 5");
    expect(text).toContain("refresh processes (provider, 20 leases): 1× ip nft list table, 1× ip sysctl — nft 1, dnsmasq/lease files 0; at 3 leases: 4 (1× ip nft list table)");
    expect(natTable(undefined)).toBe("");
  });

  test.each<[NatSamples | undefined, Partial<TargetRow>]>([
    [nat(4, 4), { measured: "4 processes at 20 leases (nft 1, dnsmasq/lease files 0)", limit: "= 4, the count at 3 leases", met: true }],
    [nat(5, 4), { met: false }],
    [nat(4), { limit: "nft ≤ 1 and dnsmasq/lease files ≤ 1", met: true }],
    [undefined, { measured: "failed: no dnsmasq", limit: "n/a" }],
  ])("target row %#", (n, expected) => {
    expect(natTargetRow(result(n))).toMatchObject({ target: "NatNetwork refresh: processes independent of leases/rules", ...expected });
  });

  test("a row not measured is not judged", () => expect(natTargetRow(result(undefined)).met).toBeUndefined());
});

describe("end-to-end row: qemu-lab up beside the program floor", () => {
  test.each<[string, string | undefined]>([
    ["file:///work/main/dist/driver/engine.js", "ours: dist/driver"],
    ["/work/main/dist/cli/main.js", "ours: dist/cli"],
    ["/work/main/node_modules/@pulumi/pulumi/runtime/rpc.js", "@pulumi/pulumi"],
    ["/work/main/node_modules/@grpc/grpc-js/build/src/call.js", "gRPC/protobuf"],
    ["/work/main/node_modules/@pulumi/pulumi/node_modules/google-protobuf/google-protobuf.js", "gRPC/protobuf"],
    ["/work/main/node_modules/js-yaml/lib/loader.js", "npm: js-yaml"],
    ["/work/main/node_modules/@types/x/index.js", "npm: @types/x"],
    ["node:internal/modules/cjs/loader", "node internals"],
    ["internal/child_process", "node internals"],
    ["/tmp/other.js", "other scripts"],
    ["", undefined],
  ])("owner of %s", (url, owner) => expect(ownerOf(url)).toBe(owner));

  const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber });
  const profileFixture: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame("(idle)") },
      { id: 3, callFrame: frame("(garbage collector)") },
      { id: 4, callFrame: frame("saveState", "file:///w/dist/driver/state-file.js", 10), children: [6] },
      { id: 5, callFrame: frame("deserialize", "/w/node_modules/@grpc/grpc-js/build/src/x.js", 4), children: [8] },
      { id: 6, callFrame: frame("renameSync", "node:fs", 999), children: [7] },
      { id: 7, callFrame: frame("rename") },
      { id: 8, callFrame: frame("stringify") },
    ],
    startTime: 0,
    endTime: 8000,
    samples: [2, 2, 4, 7, 8, 3, 5, 5],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };

  test("profile summary: self time per owner, builtins charged to their caller, Node's code to the caller outside Node", () => {
    expect(summarizeCpuProfile(profileFixture, 3)).toEqual({
      wallMs: 8,
      idleMs: 2,
      groups: [
        { group: "gRPC/protobuf", selfMs: 3 },
        { group: "node internals, called by ours: dist/driver", selfMs: 1 },
        { group: "ours: dist/driver", selfMs: 1 },
        { group: "V8: garbage collector", selfMs: 1 },
      ],
      top: [
        { name: "deserialize (x.js:5)", group: "gRPC/protobuf", selfMs: 2 },
        { name: "(garbage collector)", group: "V8: garbage collector", selfMs: 1 },
        { name: "rename", group: "node internals, called by ours: dist/driver", selfMs: 1 },
      ],
    });
  });

  test.each<[string, number | undefined]>([
    ["Resources:\n    + 14 created\n\nDuration: 2.6s\n", 14],
    ["Resources:\n    - 14 deleted\n", undefined],
  ])("created count %#", (text, n) => expect(createdCount(text)).toBe(n));

  const cli: CliSamples = {
    n: 100,
    resources: 401,
    up: [12000, 11000, 13000],
    destroy: [9000],
    floor: [10000],
    noopUp: [10500],
    peakKiB: [204800],
    heapPeakKiB: [61440],
    noopPeakKiB: [133120],
    noopHeapPeakKiB: [40960],
    profile: {
      wallMs: 12000,
      idleMs: 10000,
      groups: [
        { group: "ours: dist/driver", selfMs: 1500 },
        { group: "@pulumi/pulumi", selfMs: 500 },
      ],
      top: [{ name: "saveState (state-file.js:11)", group: "ours: dist/driver", selfMs: 900 }],
    },
  };
  const withCli = (c: CliSamples | undefined, short = false): BenchResult => ({
    date: "d",
    short,
    reps: 3,
    sizes: [],
    machine: {} as BenchResult["machine"],
    labs: [],
    cli: c,
    cliNote: c ? undefined : "failed: no dist",
  });

  test("table: each run against the floor, and the provider's peak beside the no-op provider's", () => {
    expect(cliTable(cli)).toBe(
      [
        "qemu-lab up of the network lab, N=100 (401 resources; medians of 1 repetition)",
        "| run                                                                         | seconds | / program floor |",
        "|-----------------------------------------------------------------------------|---------|-----------------|",
        "| program floor: cmd/run against a monitor that answers at once               | 10.000  | 1.00×           |",
        "| qemu-lab up --yes, no-op provider (same registrations, nothing on the host) | 10.500  | 1.05×           |",
        "| qemu-lab up --yes of the lab                                                | 12.000  | 1.20×           |",
        "| qemu-lab destroy --yes of the lab                                           | 9.000   | —               |",
        "provider process peak memory (VmHWM) in qemu-lab up: 200.0 MiB (live JS heap 60.0 MiB); no-op provider 130.0 MiB (live JS heap 40.0 MiB); ours +70.0 MiB",
      ].join("\n"),
    );
    expect(cliTable(undefined)).toBe("");
  });

  test("profile table", () => {
    expect(cliProfileTable(cli)).toBe(
      [
        "Where the qemu-lab process's time went in one up, N=100 (node --cpu-prof; self time): 12.000 s, of which idle (waiting for the program, the provider and the disk) 10.000 s, busy 2.000 s",
        "| owner of the code (builtins charged to their caller) | self ms | share of busy |",
        "|------------------------------------------------------|---------|---------------|",
        "| ours: dist/driver                                    | 1500    | 75%           |",
        "| @pulumi/pulumi                                       | 500     | 25%           |",
        "hottest functions: saveState (state-file.js:11) 900 ms",
      ].join("\n"),
    );
    expect(cliProfileTable({ ...cli, profile: undefined, profileNote: "profile failed: x" })).toBe("CLI profile: profile failed: x");
  });

  test.each<[CliSamples | undefined, boolean, Array<Partial<TargetRow>>, Array<boolean | undefined>]>([
    [
      cli,
      false,
      [
        { target: "qemu-lab up, N=100: CLI / program floor", measured: "1.20×", limit: "≤ 1.15×" },
        {
          target: "qemu-lab up, N=100: provider peak memory (VmHWM) beside a no-op provider",
          measured: "200.0 MiB (no-op 130.0 MiB, ours +70.0 MiB)",
          limit: "≤ 150 MB (143 MiB)",
        },
      ],
      [false, false],
    ],
    [{ ...cli, up: [11000], peakKiB: [140000] }, false, [{ measured: "1.10×" }, { measured: "136.7 MiB (no-op 130.0 MiB, ours +6.7 MiB)" }], [true, true]],
    [cli, true, [{ measured: "1.20×" }, {}], [undefined, undefined]], // short mode judges nothing
    [undefined, false, [{ target: "qemu-lab up / program floor", measured: "failed: no dist" }, { measured: "failed: no dist" }], [undefined, undefined]],
  ])("target rows %#", (c, short, expected, met) => {
    const rows = cliTargetRows(withCli(c, short));
    expect(rows).toHaveLength(2);
    rows.forEach((row, i) => expect(row).toMatchObject(expected[i]!));
    expect(rows.map((r) => r.met)).toEqual(met);
  });
});
