/**
 * Reading the provider probe's log (bench/probe/provider-probe.cjs): processes the dynamic-provider process
 * spawned, when, and its peak memory.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BENCH_DIR } from "./paths";

/** Absolute path of the preload script. */
export const PROBE_SCRIPT = path.join(BENCH_DIR, "probe", "provider-probe.cjs");

/** One line of the probe log. */
export interface ProbeEntry {
  pid: number;
  t: number;
  spawn?: string;
  argv?: string[];
  vmHwmKiB?: number;
  /** Largest V8 heapUsed seen (sampled every 100 ms), KiB. */
  heapUsedPeakKiB?: number;
}

/** What one provider process did, as far as the benchmark needs it. */
export interface ProbeSummary {
  /** Processes spawned (all of them, whatever spawned them inside the provider process). */
  spawns: ProbeEntry[];
  /** Peak resident memory (VmHWM) of the provider process(es), KiB; undefined if none reported. */
  peakKiB?: number;
  /** Largest live JS heap sampled, KiB (the rest of the peak is code, buffers and uncollected garbage). */
  heapPeakKiB?: number;
}

/** Parse the probe log text. Pure. */
export function parseProbeLog(text: string): ProbeSummary {
  const entries = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ProbeEntry);
  const peaks = entries.flatMap((e) => (e.vmHwmKiB !== undefined ? [e.vmHwmKiB] : []));
  const heaps = entries.flatMap((e) => (e.heapUsedPeakKiB !== undefined ? [e.heapUsedPeakKiB] : []));
  return {
    spawns: entries.filter((e) => e.spawn !== undefined),
    peakKiB: peaks.length ? Math.max(...peaks) : undefined,
    heapPeakKiB: heaps.length ? Math.max(...heaps) : undefined,
  };
}

/** Read and parse a probe log (absent file: nothing happened). */
export function readProbeLog(file: string): ProbeSummary {
  return parseProbeLog(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
}

/** Environment that loads the probe into the provider process and points it at `file`. */
export function probeEnv(file: string): Record<string, string> {
  // Why replace NODE_OPTIONS: the driver drops only jest's flag; nothing else of ours belongs there.
  return { NODE_OPTIONS: `--require ${PROBE_SCRIPT}`, QEMU_LAB_BENCH_PROBE: file };
}

/** "ip -n NS link add …" → "ip link add" style keys, for a short profile of which commands ran. Pure. */
export function commandKey(argv: readonly string[]): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 4; i++) {
    const a = argv[i]!;
    if (a === "-n" || a === "netns" && argv[i + 1] === "exec") {
      i += a === "-n" ? 1 : 2; // skip the namespace name
      continue;
    }
    if (a.startsWith("-") && a !== "-batch") continue;
    words.push(words.length === 0 ? path.basename(a) : a);
  }
  return words.join(" ");
}

/** Count spawns per command key, most frequent first. Pure. */
export function profile(spawns: readonly ProbeEntry[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const s of spawns) {
    const k = commandKey(s.argv ?? []);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
