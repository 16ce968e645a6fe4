/** Where the benchmark's files are, whether it runs from source (ts-jest) or compiled (bench/.out/bench). */
import * as fs from "node:fs";
import * as path from "node:path";

/** The bench/ source folder (programs, probe). */
export const BENCH_DIR = fs.existsSync(path.join(__dirname, "programs")) ? __dirname : path.resolve(__dirname, "..", "..");

/** The project root. */
export const PROJECT_DIR = path.resolve(BENCH_DIR, "..");
