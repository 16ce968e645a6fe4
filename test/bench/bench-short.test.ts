import { execFileSync } from "node:child_process";
import { defaultOptions, runBenchmark } from "../../bench/benchmark";
import { labResourceCount } from "../../bench/lab-spec";
import { renderConsole, targetRows } from "../../bench/report";

/**
 * The benchmark's short mode (N = 3, one repetition, no libvirt, no VM): proves that every part runs and
 * produces a table with sane fields. It asserts no timings — those are for `npm run bench` on a quiet machine.
 * Needs `npm run build` (the lab program imports the SDK from dist/).
 */
const benchNamespaces = () =>
  execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((n) => n.startsWith("qlbench"));

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
    expect(benchNamespaces()).toEqual(before); // every trial removed its namespace
  }, 300_000);
});
