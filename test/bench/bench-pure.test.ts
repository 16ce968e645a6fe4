import { batchDestroyLines, batchUpLines } from "../../bench/baselines/ip-batch";
import { libvirtNetworkXml } from "../../bench/baselines/libvirt";
import { processCount, shellDestroyScript, shellUpScript } from "../../bench/baselines/shell-script";
import { labAclPath, labBridge, labResourceCount } from "../../bench/lab-spec";
import { commandKey, parseProbeLog, profile } from "../../bench/probe-log";
import { pipeTable } from "../../bench/report";
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
