/**
 * Running an unmodified Pulumi program: reading `Pulumi.yaml`, turning caller config into `PULUMI_CONFIG`, and
 * spawning `node <pulumi>/cmd/run` against our monitor, as the Node.js language host does.
 */
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { childEnv, spawnTracked, waitForExit } from "./child";
import { withInspectGuard } from "./preload";
import { revealSecrets } from "./secrets";

/** What the driver uses from `Pulumi.yaml`. */
export interface ProjectFile {
  name: string;
  /** `main:` (entry point relative to the project folder), if set. */
  main?: string;
  /** `runtime.options.typescript` (defaults to true, like the Pulumi Node.js language host). */
  typescript: boolean;
}

/** Reads `Pulumi.yaml` (or `Pulumi.yml`) in `programDir`. */
export function readProjectFile(programDir: string): ProjectFile {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(programDir, f)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no Pulumi.yaml in ${programDir}`);
  // Why require: js-yaml ships no types, and these three fields need none.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no types
  const yaml = require("js-yaml") as { load(text: string): unknown };
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
  if (typeof doc.name !== "string" || doc.name.length === 0) throw new Error(`${file} has no project name`);
  const runtime = doc.runtime;
  let typescript = true;
  if (runtime && typeof runtime === "object") {
    const options = (runtime as { options?: Record<string, unknown> }).options;
    if (options && options.typescript === false) typescript = false;
  }
  return { name: doc.name, main: typeof doc.main === "string" ? doc.main : undefined, typescript };
}

/**
 * Stack config as `cmd/run` reads it: the `PULUMI_CONFIG` JSON object with `project:key` keys and string values.
 * Keys without a namespace get the project's; non-string values are JSON-encoded (`config.requireObject` parses them).
 */
export function configEnv(project: string, config: Record<string, unknown>): string {
  const out: Record<string, string> = {};
  for (const [key, marked] of Object.entries(config)) {
    // Why plaintext: the runtime reads secret config as plain strings and learns which are secret from
    // PULUMI_CONFIG_SECRET_KEYS (the language host sets both).
    const value = revealSecrets(marked);
    if (value === undefined) continue;
    out[key.includes(":") ? key : `${project}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return JSON.stringify(out);
}

/** Options for {@link startProgram}. */
export interface ProgramOptions {
  programDir: string;
  project: ProjectFile;
  stack: string;
  monitorAddress: string;
  dryRun: boolean;
  /** `PULUMI_CONFIG` JSON (see {@link configEnv}). */
  configJson: string;
  /** `@pulumi/pulumi` folder whose `cmd/run` is used. */
  pulumiDir: string;
  /** Type-check TypeScript programs (slow); by default they are only transpiled. */
  typeCheck?: boolean;
  env?: Record<string, string | undefined>;
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
}

/**
 * The program argument for `cmd/run`. Why not always ".": with ".", cmd/run takes the entry point from the nearest
 * package.json upwards, which for a program folder without its own package.json is some enclosing package's
 * `main` (in this repository: the SDK's dist). The folder itself makes Node load its index.js/index.ts.
 */
export function programEntry(programDir: string, main: string | undefined): string {
  if (main) return main;
  return fs.existsSync(path.join(programDir, "package.json")) ? "." : path.resolve(programDir);
}

/** Spawns the program; `exited` resolves with its exit code. */
export function startProgram(options: ProgramOptions): { child: ChildProcess; exited: Promise<number> } {
  const args = [
    path.join(options.pulumiDir, "cmd", "run"),
    "--monitor",
    options.monitorAddress,
    "--engine",
    options.monitorAddress,
    "--project",
    options.project.name,
    "--stack",
    options.stack,
    "--organization",
    "organization",
    "--root-directory",
    options.programDir,
    ...(options.dryRun ? ["--dry-run"] : []),
    programEntry(options.programDir, options.project.main),
  ];
  const env = childEnv({
    PULUMI_CONFIG: options.configJson,
    PULUMI_CONFIG_SECRET_KEYS: "[]",
    // Why: the language host sets these; ts-node (vendored in @pulumi/pulumi) then compiles index.ts on the fly.
    PULUMI_NODEJS_TYPESCRIPT: options.project.typescript ? "true" : undefined,
    PULUMI_NODEJS_TRANSPILE_ONLY: options.typeCheck ? "false" : "true",
    ...options.env,
  });
  env.NODE_OPTIONS = withInspectGuard(env.NODE_OPTIONS);
  const child = spawnTracked(process.execPath, args, { cwd: options.programDir, env }, options.onStdout, options.onStderr);
  return { child, exited: waitForExit(child) };
}
