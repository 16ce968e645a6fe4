/**
 * The benchmark: the network lab at several sizes every way (provider, shell script, `ip -batch`, libvirt),
 * the VM part, and the results rendered as tables and docs/performance.md.
 */
import { libvirtUnavailable } from "./baselines/libvirt";
import { measureCliFloor, type CliSamples } from "./cli-floor";
import { machineInfo } from "./machine";
import { measureNatNetwork, type NatSamples } from "./nat-network";
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
  /** Measure the NatNetwork row (static leases and forwards: `natLeases`; `natControlLeases`: a second size for refresh processes). */
  nat: boolean;
  natLeases: number;
  natControlLeases?: number;
  /** Measure the end-to-end row (`qemu-lab up` of the lab of size `cliN` beside the program floor, `reps` times). */
  cli: boolean;
  cliN: number;
  log: (line: string) => void;
}

/** Options for the full run or the short mode. */
export function defaultOptions(short: boolean, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): BenchOptions {
  return short
    ? { short, sizes: [3], reps: 1, libvirt: false, vm: false, nat: true, natLeases: 3, natControlLeases: 1, cli: true, cliN: 3, log }
    : { short, sizes: [10, 50, 100], reps: 3, libvirt: true, vm: true, nat: true, natLeases: 20, natControlLeases: 3, cli: true, cliN: 100, log };
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
  let natNetwork: NatSamples | undefined;
  let natNote: string | undefined = options.nat ? undefined : "not requested (--no-nat)";
  if (options.nat) {
    try {
      natNetwork = await measureNatNetwork(options.natLeases, options.reps, options.log, { controlLeases: options.natControlLeases });
    } catch (e) {
      natNote = `failed: ${messageOf(e)}`;
    }
  }
  let cli: CliSamples | undefined;
  let cliNote: string | undefined = options.cli ? undefined : "not requested (--no-cli)";
  if (options.cli) {
    try {
      cli = await measureCliFloor(options.cliN, options.reps, options.log);
    } catch (e) {
      cliNote = `failed: ${messageOf(e)}`;
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
    natNetwork,
    natNote,
    cli,
    cliNote,
  };
}
