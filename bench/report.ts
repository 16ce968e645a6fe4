/**
 * Rendering the benchmark's results: the tables printed by `npm run bench` and docs/performance.md. Pure.
 */
import type { CliSamples } from "./cli-floor";
import type { MachineInfo } from "./machine";
import type { NatSamples } from "./nat-network";
import type { LabSamples } from "./network-lab";
import { linearFit, median, ratio } from "./stats";
import type { VmSamples } from "./vm";

/** One judged target. `met` is undefined when it could not be measured (or in short mode). */
export interface TargetRow {
  target: string;
  measured: string;
  limit: string;
  met?: boolean;
}

/** Every result of one run. */
export interface BenchResult {
  date: string;
  short: boolean;
  reps: number;
  sizes: number[];
  machine: MachineInfo;
  labs: LabSamples[];
  libvirtNote?: string;
  vm?: VmSamples;
  vmNote?: string;
  /** The NatNetwork row (absent when not measured: see natNote). */
  natNetwork?: NatSamples;
  natNote?: string;
  /** The end-to-end row: `qemu-lab up` beside the program floor (absent when not measured: see cliNote). */
  cli?: CliSamples;
  cliNote?: string;
}

const sec = (ms: number | undefined): string => (ms === undefined || !Number.isFinite(ms) ? "n/a" : (ms / 1000).toFixed(3));
const times = (r: number | undefined): string => (r === undefined ? "n/a" : `${r.toFixed(2)}×`);
const med = (xs: readonly number[] | undefined): number | undefined => (xs && xs.length ? median(xs) : undefined);

/** A pipe table (valid Markdown, readable as text). */
export function pipeTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** The main table: seconds (medians) per size and step, and every ratio to the shell script (a). */
export function timingTable(labs: readonly LabSamples[]): string {
  const rows: string[][] = [];
  for (const lab of labs) {
    const steps: Array<[string, number[] | undefined, number[], number[], number[] | undefined]> = [
      ["up", lab.provider.up, lab.shell.up, lab.batch.up, lab.libvirt?.up],
      ["refresh (whole operation)", lab.provider.refresh, lab.shell.refresh, lab.batch.refresh, lab.libvirt?.refresh],
      ["refresh: Read calls only", lab.provider.reads, lab.shell.refresh, lab.batch.refresh, lab.libvirt?.refresh],
      ["destroy", lab.provider.destroy, lab.shell.destroy, lab.batch.destroy, lab.libvirt?.destroy],
    ];
    for (const [step, p, a, b, c] of steps) {
      const [mp, ma, mb, mc] = [med(p), med(a), med(b), med(c)];
      rows.push([
        String(lab.n),
        step,
        sec(mp),
        sec(ma),
        sec(mb),
        sec(mc),
        times(ratio(mp, ma)),
        times(ratio(mb, ma)),
        times(ratio(mc, ma)),
        mp === undefined ? "n/a" : (mp / lab.n).toFixed(1),
      ]);
    }
  }
  return pipeTable(
    ["N", "step", "provider s", "(a) shell s", "(b) ip -batch s", "(c) libvirt s", "provider/(a)", "(b)/(a)", "(c)/(a)", "provider ms/bridge"],
    rows,
  );
}

/** Processes and memory: what each approach started, and the provider process's peak memory. */
export function processTable(labs: readonly LabSamples[]): string {
  const rows = labs.map((lab) => {
    const p = lab.provider;
    const m = med(p.peakKiB);
    return [
      String(lab.n),
      String(p.resources),
      `${med(p.upSpawns) ?? "n/a"} / ${lab.shell.upProcesses ?? "n/a"} / ${lab.batch.upProcesses ?? "n/a"}`,
      `${med(p.refreshSpawns) ?? "n/a"} / ${med(p.readsProcesses) ?? "n/a"} / ${lab.shell.refreshProcesses ?? "n/a"}`,
      `${med(p.destroySpawns) ?? "n/a"} / ${lab.shell.destroyProcesses ?? "n/a"} / ${lab.batch.destroyProcesses ?? "n/a"}`,
      m === undefined ? "n/a" : `${(m / 1024).toFixed(1)} (heap ${((med(p.heapPeakKiB) ?? 0) / 1024).toFixed(1)})`,
      String(Math.max(0, ...p.drift.map((d) => d.length))),
    ];
  });
  return pipeTable(
    [
      "N",
      "resources",
      "up processes: provider / (a) / (b)",
      "refresh processes: provider op / Read calls / (a)",
      "destroy processes: provider / (a) / (b)",
      "provider peak MiB (live JS heap)",
      "drift on refresh",
    ],
    rows,
  );
}

/** Which commands the provider process ran for the largest lab (from the probe). */
export function commandTable(lab: LabSamples | undefined): string {
  if (!lab) return "";
  const ops = ["up", "refresh", "reads", "destroy"] as const;
  const rows = ops.map((op) => [op === "reads" ? "Read calls" : op, commandList(lab.provider.commands[op])]);
  return pipeTable([`operation (N=${lab.n})`, "processes the provider started"], rows);
}

/** The VM table: create → forwarded port answering, by the provider and by hand; destroy. */
export function vmTable(vm: VmSamples | undefined): string {
  if (!vm) return "";
  const rows = [
    ["create called → guest's forwarded port answers (QemuVm Create over gRPC, user NIC hostForward)", sec(med(vm.providerBoot))],
    ["same QEMU command line started by hand, polling the port", sec(med(vm.manualBoot))],
    ["provider overhead", times(ratio(med(vm.providerBoot), med(vm.manualBoot)))],
    ["destroy, guest powers off on ACPI shutdown", sec(med(vm.destroyCooperative))],
    ["destroy, guest ignores ACPI shutdown (stop timeout → kill)", sec(med(vm.destroyStubborn))],
  ];
  return pipeTable(["VM step", "seconds (median)"], rows);
}

/** "1× ip nft list table, 1× ip sysctl" from a command profile. Pure. */
export function commandList(commands: ReadonlyArray<readonly [string, number]>): string {
  return commands.map(([k, c]) => `${c}× ${k}`).join(", ") || "none";
}

/** The NatNetwork row: seconds per step (medians) against the shell baseline, and what the provider's refresh ran. */
export function natTable(nat: NatSamples | undefined): string {
  if (!nat) return "";
  const p = nat.provider;
  const rows = (["up", "refresh", "destroy"] as const).map((step) => {
    const [mp, ms] = [med(p[step]), med(nat.shell[step])];
    return [step === "refresh" ? "refresh (whole operation)" : step, sec(mp), sec(ms), times(ratio(mp, ms))];
  });
  const spawns = (step: "up" | "refresh" | "destroy", shell: number | undefined) => `${med(p[`${step}Spawns`]) ?? "n/a"} / ${shell ?? "n/a"}`;
  const control = nat.control ? `; at ${nat.control.leases} lease${nat.control.leases === 1 ? "" : "s"}: ${nat.control.refreshSpawns} (${commandList(nat.control.commands)})` : "";
  return [
    `NatNetwork, ${nat.leases} static leases and ${nat.leases} forwards (${nat.resources} resources; bridge, ACL, dnsmasq, nftables NAT)`,
    pipeTable(["step", "provider s", "shell s", "provider/shell"], rows),
    `processes provider / shell: up ${spawns("up", nat.shell.upProcesses)}, refresh ${spawns("refresh", nat.shell.refreshProcesses)}, destroy ${spawns("destroy", nat.shell.destroyProcesses)}`,
    `refresh processes (provider, ${nat.leases} leases): ${commandList(p.commands.refresh)} — nft ${med(p.refreshNft) ?? "n/a"}, dnsmasq/lease files ${med(p.refreshDhcp) ?? "n/a"}${control}`,
    `drift on refresh: ${Math.max(0, ...p.drift.map((d) => d.length))}${p.drift.flat().length ? ` (${[...new Set(p.drift.flat())].join("; ")})` : ""}`,
  ].join("\n");
}

/** Target: the provider's refresh of a NatNetwork starts the same processes at any number of leases and rules. */
export function natTargetRow(result: BenchResult): TargetRow {
  const target = "NatNetwork refresh: processes independent of leases/rules";
  const nat = result.natNetwork;
  if (!nat) return { target, measured: result.natNote ?? "not measured", limit: "n/a" };
  const spawns = med(nat.provider.refreshSpawns);
  const nft = med(nat.provider.refreshNft);
  const dhcp = med(nat.provider.refreshDhcp);
  const measured = `${spawns ?? "n/a"} processes at ${nat.leases} leases (nft ${nft ?? "n/a"}, dnsmasq/lease files ${dhcp ?? "n/a"})`;
  // Why the control size: equal counts at two sizes is what "independent of N" means; without it, one read each.
  if (nat.control) {
    return { target, measured, limit: `= ${nat.control.refreshSpawns}, the count at ${nat.control.leases} lease${nat.control.leases === 1 ? "" : "s"}`, met: spawns !== undefined ? spawns === nat.control.refreshSpawns : undefined };
  }
  return { target, measured, limit: "nft ≤ 1 and dnsmasq/lease files ≤ 1", met: nft !== undefined && dhcp !== undefined ? nft <= 1 && dhcp <= 1 : undefined };
}

const mib = (kib: number | undefined): string => (kib === undefined ? "n/a" : `${(kib / 1024).toFixed(1)} MiB`);

/** The end-to-end row: `qemu-lab up` and the no-op program's up against the program floor, and the provider's peak memory. */
export function cliTable(cli: CliSamples | undefined): string {
  if (!cli) return "";
  const floor = med(cli.floor);
  const row = (what: string, xs: readonly number[], vsFloor: boolean) => [what, sec(med(xs)), vsFloor ? times(ratio(med(xs), floor)) : "—"];
  const [peak, noop] = [med(cli.peakKiB), med(cli.noopPeakKiB)];
  const heap = (h: number | undefined) => (h === undefined ? "" : ` (live JS heap ${mib(h)})`);
  const ours = peak !== undefined && noop !== undefined ? `${peak >= noop ? "+" : "−"}${mib(Math.abs(peak - noop))}` : "n/a";
  return [
    `qemu-lab up of the network lab, N=${cli.n} (${cli.resources} resources; medians of ${cli.floor.length} repetition${cli.floor.length === 1 ? "" : "s"})`,
    pipeTable(
      ["run", "seconds", "/ program floor"],
      [
        row("program floor: cmd/run against a monitor that answers at once", cli.floor, true),
        row("qemu-lab up --yes, no-op provider (same registrations, nothing on the host)", cli.noopUp, true),
        row("qemu-lab up --yes of the lab", cli.up, true),
        row("qemu-lab destroy --yes of the lab", cli.destroy, false),
      ],
    ),
    `provider process peak memory (VmHWM) in qemu-lab up: ${mib(peak)}${heap(med(cli.heapPeakKiB))}; no-op provider ${mib(noop)}${heap(med(cli.noopHeapPeakKiB))}; ours ${ours}`,
  ].join("\n");
}

/** Where the CLI process's CPU time went in one `qemu-lab up` (the `--cpu-prof` summary). */
export function cliProfileTable(cli: CliSamples | undefined): string {
  if (!cli) return "";
  const p = cli.profile;
  if (!p) return `CLI profile: ${cli.profileNote ?? "not taken"}`;
  const busy = p.wallMs - p.idleMs;
  const ms = (x: number) => x.toFixed(0);
  return [
    `Where the qemu-lab process's time went in one up, N=${cli.n} (node --cpu-prof; self time): ${sec(p.wallMs)} s, of which idle (waiting for the program, the provider and the disk) ${sec(p.idleMs)} s, busy ${sec(busy)} s`,
    pipeTable(
      ["owner of the code (builtins charged to their caller)", "self ms", "share of busy"],
      p.groups.map((g) => [g.group, ms(g.selfMs), `${busy > 0 ? ((g.selfMs / busy) * 100).toFixed(0) : "0"}%`]),
    ),
    `hottest functions: ${p.top.map((f) => `${f.name} ${ms(f.selfMs)} ms`).join(", ") || "none"}`,
  ].join("\n");
}

/** Targets of the end-to-end row: `qemu-lab up` within 15% of the program floor; the provider's peak memory beside a no-op provider's. */
export function cliTargetRows(result: BenchResult): TargetRow[] {
  const cli = result.cli;
  if (!cli) {
    const measured = result.cliNote ?? "not measured";
    return [
      { target: "qemu-lab up / program floor", measured, limit: "≤ 1.15×" },
      { target: "qemu-lab up: provider peak memory (VmHWM) beside a no-op provider", measured, limit: "≤ 150 MB (143 MiB)" },
    ];
  }
  const r = ratio(med(cli.up), med(cli.floor));
  const [peak, noop] = [med(cli.peakKiB), med(cli.noopPeakKiB)];
  const rows: TargetRow[] = [
    { target: `qemu-lab up, N=${cli.n}: CLI / program floor`, measured: times(r), limit: "≤ 1.15×", met: r !== undefined ? r <= 1.15 : undefined },
    {
      target: `qemu-lab up, N=${cli.n}: provider peak memory (VmHWM) beside a no-op provider`,
      measured: `${mib(peak)} (no-op ${mib(noop)}${peak !== undefined && noop !== undefined ? `, ours ${peak >= noop ? "+" : "−"}${mib(Math.abs(peak - noop))}` : ""})`,
      limit: "≤ 150 MB (143 MiB)",
      met: peak !== undefined ? peak * 1024 <= 150e6 : undefined,
    },
  ];
  return result.short ? rows.map((row) => ({ ...row, met: undefined })) : rows;
}

/** The targets from the performance issue, judged on the largest lab size measured. */
export function targetRows(result: BenchResult): TargetRow[] {
  const judge = !result.short;
  const lab = result.labs[result.labs.length - 1];
  if (!lab) return [];
  const p = lab.provider;
  const upRatio = ratio(med(p.up), med(lab.shell.up));
  const destroyRatio = ratio(med(p.destroy), med(lab.shell.destroy));
  const reads = med(p.reads);
  const refreshSpawns = med(p.refreshSpawns);
  const peak = med(p.peakKiB);
  const rows: TargetRow[] = [
    { target: `up, N=${lab.n}: provider / shell script (a)`, measured: times(upRatio), limit: "≤ 1.00×", met: upRatio !== undefined ? upRatio <= 1.0 : undefined },
    {
      target: `destroy, N=${lab.n}: provider / shell script (a)`,
      measured: times(destroyRatio),
      limit: "≤ 1.10×",
      met: destroyRatio !== undefined ? destroyRatio <= 1.1 : undefined,
    },
    {
      target: `refresh of the whole lab (${p.resources} resources): Read calls`,
      measured: `${sec(reads)} s (whole operation incl. provider start: ${sec(med(p.refresh))} s)`,
      limit: "≤ 0.5 s",
      met: reads !== undefined ? reads <= 500 : undefined,
    },
    {
      target: "refresh: processes the provider spawned (whole operation)",
      measured: String(refreshSpawns ?? "n/a"),
      limit: "≤ 5",
      met: refreshSpawns !== undefined ? refreshSpawns <= 5 : undefined,
    },
    {
      target: `provider peak memory (VmHWM), N=${lab.n}`,
      measured: peak === undefined ? "n/a" : `${(peak / 1024).toFixed(1)} MiB`,
      limit: "≤ 150 MB (143 MiB)",
      met: peak !== undefined ? peak * 1024 <= 150e6 : undefined,
    },
  ];
  for (const step of ["up", "destroy"] as const) {
    const fit = linearFit(result.labs.map((l) => ({ n: l.n, ms: median(l.provider[step]) })));
    rows.push({
      target: `${step} cost linear in N (least-squares line through every N)`,
      measured: fit ? `${fit.slope.toFixed(1)} ms/bridge + ${(fit.intercept / 1000).toFixed(2)} s fixed; worst point ${(fit.maxDeviation * 100).toFixed(0)}% off the line` : "needs ≥ 2 sizes",
      limit: "every point within 15% of the line",
      met: fit ? fit.maxDeviation <= 0.15 : undefined,
    });
  }
  const vm = result.vm;
  const overhead = vm ? ratio(med(vm.providerBoot), med(vm.manualBoot)) : undefined;
  rows.push({
    target: "VM: provider create→port time over QEMU's own boot-to-port time",
    measured: overhead === undefined ? (result.vmNote ?? "not measured") : `${overhead >= 1 ? "+" : "−"}${(Math.abs(overhead - 1) * 100).toFixed(1)}%`,
    limit: "≤ +5%",
    met: overhead !== undefined ? overhead <= 1.05 : undefined,
  });
  rows.push(natTargetRow(result));
  rows.push(...cliTargetRows(result));
  return judge ? rows : rows.map((r) => ({ ...r, met: undefined }));
}

/** Targets as a table. */
export function targetTable(rows: readonly TargetRow[]): string {
  return pipeTable(
    ["target", "measured", "limit", "met"],
    rows.map((r) => [r.target, r.measured, r.limit, r.met === undefined ? "—" : r.met ? "yes" : "NO"]),
  );
}

/** Which resources a no-change refresh reported as drifted (a provider bug: read must match create). */
export function driftNote(labs: readonly LabSamples[]): string {
  const lines = labs.flatMap((l) => [...new Set(l.provider.drift.flat())].map((d) => `  N=${l.n}: ${d}`));
  return lines.length ? `Drift reported by a no-change refresh:\n${lines.slice(0, 12).join("\n")}${lines.length > 12 ? `\n  … ${lines.length - 12} more` : ""}\n` : "";
}

/** Everything `npm run bench` prints. */
export function renderConsole(result: BenchResult): string {
  const largest = result.labs[result.labs.length - 1];
  return [
    `Network lab (medians of ${result.reps} repetition${result.reps === 1 ? "" : "s"}; ratios to the shell script (a) measured in this run)`,
    timingTable(result.labs),
    "",
    processTable(result.labs),
    "",
    commandTable(largest),
    "",
    driftNote(result.labs),
    result.libvirtNote ? `(c) libvirt: ${result.libvirtNote}\n` : "",
    result.vm ? vmTable(result.vm) : `VM: ${result.vmNote ?? "not measured"}`,
    "",
    result.natNetwork ? natTable(result.natNetwork) : `NatNetwork: ${result.natNote ?? "not measured"}`,
    "",
    result.cli ? `${cliTable(result.cli)}\n\n${cliProfileTable(result.cli)}` : `qemu-lab up: ${result.cliNote ?? "not measured"}`,
    "",
    `Targets${result.short ? " (short mode: not judged)" : ""}`,
    targetTable(targetRows(result)),
    "",
  ].join("\n");
}
