/**
 * Figures for docs/reliability.md, recorded by the tests that measure them (the report is generated from a test run,
 * never typed by hand): one JSON line per record in `.reliability/records.jsonl`, read by scripts/reliability-report.js.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const RELIABILITY_DIR = path.resolve(__dirname, "../../.reliability");

/** One fact for the report: which section, what was tried, and its figures. */
export interface ReliabilityRecord {
  section: "bad-input" | "generated" | "faults" | "concurrency" | "file-modes";
  subject: string;
  [figure: string]: unknown;
}

/** Append a record (several jest workers may write at once: one appendFileSync per line is atomic for small lines). */
export function record(r: ReliabilityRecord): void {
  fs.mkdirSync(RELIABILITY_DIR, { recursive: true });
  fs.appendFileSync(path.join(RELIABILITY_DIR, "records.jsonl"), JSON.stringify({ ...r, at: new Date().toISOString() }) + "\n");
}
