/**
 * `npm run bench` (full run; writes docs/performance.md) and `npm run bench -- --short` (N = 3, one repetition:
 * checks that the benchmark works, judges nothing). Also `--sizes 10,50 --reps 1` for a quick look;
 * `--no-vm`, `--no-libvirt`, `--no-nat`, `--no-cli` leave a part out.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultOptions, runBenchmark } from "./benchmark";
import { renderConsole } from "./report";
import { renderDoc } from "./doc";
import { PROJECT_DIR } from "./paths";

/** Where the full run writes its report. */
export const PERFORMANCE_DOC = path.join(PROJECT_DIR, "docs", "performance.md");

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const short = args.includes("--short");
  const options = defaultOptions(short);
  const sizes = argValue(args, "--sizes");
  if (sizes) options.sizes = sizes.split(",").map(Number);
  const reps = argValue(args, "--reps");
  if (reps) options.reps = Number(reps);
  if (args.includes("--no-vm")) options.vm = false;
  if (args.includes("--no-libvirt")) options.libvirt = false;
  if (args.includes("--no-nat")) options.nat = false;
  if (args.includes("--no-cli")) options.cli = false;
  const result = await runBenchmark(options);
  process.stdout.write(renderConsole(result));
  // Why only the default full run: a partial run must not overwrite the recorded figures.
  if (!short && !sizes && !reps) {
    fs.mkdirSync(path.dirname(PERFORMANCE_DOC), { recursive: true });
    fs.writeFileSync(PERFORMANCE_DOC, renderDoc(result));
    process.stdout.write(`wrote ${PERFORMANCE_DOC}\n`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`benchmark failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
