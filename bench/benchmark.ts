/**
 * The benchmark: the network lab at several sizes every way (provider, shell script, `ip -batch`, libvirt),
 * the VM part, and the results rendered as tables and docs/performance.md.
 */
import { libvirtUnavailable } from "./baselines/libvirt";
import { machineInfo } from "./machine";
import { measureLab, type LabSamples } from "./network-lab";
import type { BenchResult } from "./report";
import { measureVm, vmUnavailable, type VmSamples } from "./vm";
import { messageOf } from "../provider/host/runner/message-of";

/** What to run. */
export interface BenchOptions {
  /** Short mode: only checks that everything works (N = 3, one repetition, no libvirt, no VM). */
  short: boolean;
  sizes: number[];
  reps: number;
  /** Measure libvirt when it is installed (never in short mode). */
  libvirt: boolean;
  vm: boolean;
  log: (line: string) => void;
}

/** Options for the full run or the short mode. */
export function defaultOptions(short: boolean, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): BenchOptions {
  return short
    ? { short, sizes: [3], reps: 1, libvirt: false, vm: false, log }
    : { short, sizes: [10, 50, 100], reps: 3, libvirt: true, vm: true, log };
}

/** Runs the benchmark. */
export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  let libvirtNote: string | undefined = options.libvirt ? libvirtUnavailable() : options.short ? "not measured in short mode" : "not requested (--no-libvirt)";
  const libvirt = options.libvirt && libvirtNote === undefined;
  if (libvirt) libvirtNote = undefined;
  const labs: LabSamples[] = [];
  for (const n of options.sizes) labs.push(await measureLab(n, options.reps, { libvirt, log: options.log }));
  let vm: VmSamples | undefined;
  let vmNote: string | undefined = options.vm ? vmUnavailable() : options.short ? "not measured in short mode" : "not requested (--no-vm)";
  if (options.vm && vmNote === undefined) {
    try {
      vm = await measureVm(Math.max(options.reps, 5), options.log); // boots are cheap; more samples steady the median
    } catch (e) {
      vmNote = `failed: ${messageOf(e)}`;
    }
  }
  return {
    date: new Date().toISOString(),
    short: options.short,
    reps: options.reps,
    sizes: options.sizes,
    machine: machineInfo(),
    labs,
    libvirtNote,
    vm,
    vmNote,
  };
}
