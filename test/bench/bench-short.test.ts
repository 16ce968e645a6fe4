import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { defaultOptions, runBenchmark } from "../../bench/benchmark";
import { NOOP_PROGRAM } from "../../bench/cli-floor";
import { labResourceCount } from "../../bench/lab-spec";
import { NETWORK_LAB_PROGRAM } from "../../bench/provider-lab";
import { renderConsole, targetRows } from "../../bench/report";

/**
 * The benchmark's short mode (N = 3, one repetition, no libvirt, no VM; the NatNetwork row with 3 leases; `qemu-lab up` beside
 * the program floor at N = 3): proves that every part runs and
 * produces a table with sane fields. It asserts no timings — those are for `npm run bench` on a quiet machine.
 * Needs `npm run build` (the lab program imports the SDK from dist/).
 */
const benchNamespaces = () =>
  execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((n) => n.startsWith("qlbench"));

/** Live (non-zombie) dnsmasq processes started by a NatNetwork trial (their config is under /tmp/qlbench-nat-*). */
const benchDnsmasq = () =>
  fs.readdirSync("/proc").filter((e) => {
    try {
      const argv = fs.readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0");
      const state = fs.readFileSync(`/proc/${e}/stat`, "utf8").replace(/^.*\) /, "")[0];
      return /^\d+$/.test(e) && argv.some((a) => a.startsWith("--conf-file=/tmp/qlbench-nat-")) && state !== "Z";
    } catch {
      return false;
    }
  });

describe("npm run bench -- --short", () => {
  test("runs every approach on a lab of 3 bridges and prints the table", async () => {
    const before = benchNamespaces();
    const log: string[] = [];
    const result = await runBenchmark(defaultOptions(true, (l) => log.push(l)));

    expect(result.short).toBe(true);
    expect(result.labs.map((l) => l.n)).toEqual([3]);
    const lab = result.labs[0]!;
    for (const samples of [lab.shell, lab.batch, lab.provider]) {
      for (const step of [samples.up, samples.refresh, samples.destroy]) {
        expect(step).toHaveLength(1);
        expect(step[0]).toBeGreaterThan(0);
        expect(Number.isFinite(step[0])).toBe(true);
      }
    }
    expect(lab.libvirt).toBeUndefined();
    expect(lab.shell.upProcesses).toBe(3 + 7 * 3); // netns add, lo up, mkdir + 7 ip commands per bridge (echo is a builtin)
    const p = lab.provider;
    expect(p.resources).toBe(labResourceCount(3));
    expect(p.reads[0]).toBeGreaterThan(0);
    expect(p.upSpawns[0]).toBeGreaterThan(0); // the probe saw the provider's processes
    expect(p.refreshSpawns[0]).toBeGreaterThan(0);
    expect(p.peakKiB[0]).toBeGreaterThan(10 * 1024); // a Node process: tens of MiB at least
    expect(p.commands.up.some(([cmd]) => cmd.startsWith("ip"))).toBe(true);
    expect(result.machine.nproc).toBeGreaterThan(0);
    expect(result.machine.iproute2).toMatch(/iproute2/);

    const table = renderConsole(result);
    expect(table).toMatch(/\| N +\| step +\| provider s +\| \(a\) shell s/);
    for (const step of ["up", "refresh \\(whole operation\\)", "refresh: Read calls only", "destroy"]) expect(table).toMatch(new RegExp(`\\| 3 +\\| ${step} +\\| \\d+\\.\\d{3} `));
    expect(table).toContain("Targets (short mode: not judged)");
    const targets = targetRows(result);
    expect(targets.length).toBeGreaterThanOrEqual(7);
    expect(targets.every((t) => t.met === undefined)).toBe(true);

    // The end-to-end row: qemu-lab up of the 3-bridge lab beside the program floor and the no-op provider.
    expect(result.cliNote).toBeUndefined();
    const cli = result.cli!;
    expect([cli.n, cli.resources]).toEqual([3, labResourceCount(3)]);
    for (const samples of [cli.floor, cli.up, cli.destroy, cli.noopUp, cli.peakKiB, cli.noopPeakKiB]) {
      expect(samples).toHaveLength(1);
      expect(Number.isFinite(samples[0])).toBe(true);
      expect(samples[0]).toBeGreaterThan(0);
    }
    expect(cli.peakKiB[0]).toBeGreaterThan(10 * 1024); // VmHWM of a Node process: tens of MiB at least
    expect(cli.noopPeakKiB[0]).toBeGreaterThan(10 * 1024);
    expect(cli.profileNote).toBeUndefined();
    expect(cli.profile!.groups.some((g) => g.group === "ours: dist/driver" || g.group.endsWith("called by ours: dist/driver"))).toBe(true);
    expect(cli.profile!.idleMs).toBeLessThanOrEqual(cli.profile!.wallMs); // parts of one profile, not a timing race
    expect(table).toMatch(/\| qemu-lab up --yes of the lab +\| \d+\.\d{3} +\| \d+\.\d{2}× +\|/);
    expect(table).toMatch(/provider process peak memory \(VmHWM\) in qemu-lab up: \d+\.\d MiB .*no-op provider \d+\.\d MiB/);
    expect(table).toMatch(/Where the qemu-lab process's time went in one up, N=3/);
    expect(targets.some((t) => t.target === "qemu-lab up, N=3: CLI / program floor" && t.limit === "≤ 1.15×")).toBe(true);
    for (const dir of [NETWORK_LAB_PROGRAM, NOOP_PROGRAM]) expect(fs.existsSync(`${dir}/Pulumi.bench.yaml`)).toBe(false); // config removed

    // The NatNetwork row: 3 leases, one repetition, and a control refresh at 1 lease.
    expect(result.natNote).toBeUndefined();
    const nat = result.natNetwork!;
    expect(nat.leases).toBe(3);
    expect(nat.resources).toBe(5);
    for (const samples of [nat.shell, nat.provider]) {
      for (const step of [samples.up, samples.refresh, samples.destroy]) {
        expect(step).toHaveLength(1);
        expect(step[0]).toBeGreaterThan(0);
        expect(Number.isFinite(step[0])).toBe(true);
      }
    }
    expect([nat.shell.upProcesses, nat.shell.refreshProcesses, nat.shell.destroyProcesses]).toEqual([10, 3, 5]);
    expect(nat.provider.upSpawns[0]).toBeGreaterThan(0);
    expect(nat.provider.drift).toEqual([[]]); // a no-change refresh reports no drift
    const refresh = nat.provider.commands.refresh;
    expect(refresh.some(([cmd]) => cmd.split(" ").includes("nft"))).toBe(true);
    expect(nat.provider.refreshNft).toEqual([1]); // NetworkNat reads its whole table with one nft
    expect(nat.provider.refreshDhcp[0]).toBeLessThanOrEqual(1); // DhcpServer: at most one process for dnsmasq's files
    expect(refresh.every(([, c]) => c < nat.leases)).toBe(true); // no command ran once per lease or rule
    expect(nat.control?.leases).toBe(1);
    expect(nat.provider.refreshSpawns[0]).toBe(nat.control!.refreshSpawns); // same processes at 1 and 3 leases
    expect(table).toContain("NatNetwork, 3 static leases and 3 forwards");
    expect(table).toMatch(/\| refresh \(whole operation\) +\| \d+\.\d{3} +\| \d+\.\d{3} +\| \d+\.\d{2}× +\|/);
    expect(table).toMatch(/refresh processes \(provider, 3 leases\): .*nft/);
    expect(targets.some((t) => t.target === "NatNetwork refresh: processes independent of leases/rules" && t.limit.includes("at 1 lease"))).toBe(true);

    expect(benchDnsmasq()).toEqual([]); // no trial left a dnsmasq running
    expect(benchNamespaces()).toEqual(before); // every trial removed its namespace
  }, 420_000);
});
