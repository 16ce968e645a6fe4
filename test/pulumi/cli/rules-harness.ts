/**
 * Shared setup of the engine-rule differential tests: the rules program (fixtures/rules-program, no-op dynamic
 * resources whose provider calls go to events.log) run as the same stack under the real Pulumi CLI and under the
 * lifecycle driver, with readers that make the two comparable. Modelled on differential.test.ts's EngineStack.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliLifecycleDriver, LifecycleDriver, LifecycleDriverOptions, OperationError, OperationResult, ResourceState } from "../../../driver";
import { uniqueName } from "../../support/netns";
import { pulumiCliBin } from "../../support/pulumi-cli";
import { messageOf } from "../../../provider/host/runner/message-of";

export const RULES_PROGRAM = path.join(__dirname, "fixtures", "rules-program");

/** One object of the rules program (see fixtures/rules-program/index.js). */
export interface RuleSpec {
  name: string;
  value?: string;
  key?: string;
  keyFrom?: string;
  dbr?: boolean;
  plain?: boolean;
  delayMs?: number;
  fail?: "create" | "update";
  parent?: string;
  dependsOn?: string[];
  deleteBeforeReplace?: boolean;
  replaceOnChanges?: string[];
  ignoreChanges?: string[];
  aliases?: (string | { name: string; parent?: string })[];
  import?: string;
  list?: unknown[];
  nested?: Record<string, unknown>;
  protect?: boolean;
  /** Register under this resource name instead of `name` (the inputs keep `name`). */
  rename?: string;
}

export type Engine = "driver" | "cli";

/** Options of one run beyond the program's config. */
export type RunOptions = Pick<LifecycleDriverOptions, "targets" | "replaces" | "parallel" | "refreshFirst" | "onProgress" | "signal">;

/** One engine's stack of the rules program: its own folder for events.log and its own state. */
export class RulesStack {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "rules-test-"));
  output = "";

  constructor(
    readonly engine: Engine,
    readonly stack: string,
  ) {}

  driver(objects: RuleSpec[], groups: string[] = [], extra: RunOptions = {}): LifecycleDriver | CliLifecycleDriver {
    const options: LifecycleDriverOptions = {
      programDir: RULES_PROGRAM,
      stack: this.stack,
      stateFile: path.join(this.root, "state", "stack.json"),
      config: { root: this.root, objects, groups },
      write: (text: string) => (this.output += text),
      ...extra,
    };
    return this.engine === "cli" ? new CliLifecycleDriver({ ...options, pulumiBin: pulumiCliBin() }) : new LifecycleDriver(options);
  }

  /** Every line of events.log, IDs left out: "start create a", "create a", "delete b", … */
  events(): string[] {
    const file = path.join(this.root, "events.log");
    const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
    return lines.map((l) => (l.startsWith("start ") ? l : l.split(" ").slice(0, 2).join(" ")));
  }

  /** Finished provider calls in order ("create a", "delete b"), from the `from`-th event on. */
  calls(from = 0): string[] {
    return this.events()
      .slice(from)
      .filter((l) => !l.startsWith("start "));
  }

  state(): ResourceState[] {
    return this.driver([]).state().resources;
  }

  async cleanup(): Promise<void> {
    const driver = this.driver([]);
    if (driver instanceof CliLifecycleDriver) await driver.removeStack();
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Op per resource name (replaces: which half goes first), with changed keys: { a: "replace (delete first) [key]" }. */
export function plan(result: OperationResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of result.steps) {
    out[s.name] = s.op === "replace" ? `replace${s.deleteBeforeReplace ? " (delete first)" : ""}` : s.op;
    if (s.diffs.length > 0) out[s.name] += ` [${s.diffs.join(",")}]`;
    if (s.error) out[s.name] += " failed";
  }
  return out;
}

/** State as both engines must agree on it: random IDs and the root folder replaced, `__provider` left out. */
export function comparableState(resources: ResourceState[], root: string): unknown {
  const norm = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? {}).split(root).join("<root>").replace(/-[0-9a-f]{8}\b/g, "-<id>"));
  const strip = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== "__provider"));
  return resources
    .map((r) => ({
      urn: r.urn,
      custom: r.custom,
      parent: r.parent,
      inputs: r.custom ? norm(strip(r.inputs)) : undefined,
      outputs: r.custom ? norm(strip(r.outputs)) : undefined,
      dependencies: [...r.dependencies].sort(),
      delete: r.delete || undefined,
    }))
    .sort((a, b) => a.urn.localeCompare(b.urn));
}

/** The outcome of one operation under one engine: its result, or its error (with the result as far as it got). */
export interface Outcome {
  result: OperationResult;
  error?: OperationError;
}

/** Both engines' stacks of one scenario, run one after the other with the same config and options. */
export class RulesPair {
  readonly name = uniqueName("rules");
  readonly stacks = { driver: new RulesStack("driver", this.name), cli: new RulesStack("cli", this.name) };
  readonly both = [this.stacks.driver, this.stacks.cli];

  /** Runs the operation under both engines; with `mayFail`, a failure is returned instead of thrown. */
  async run(
    op: "preview" | "up" | "refresh" | "destroy",
    objects: RuleSpec[],
    options: { groups?: string[]; mayFail?: boolean; extra?: (s: RulesStack) => RunOptions } = {},
  ): Promise<Record<Engine, Outcome>> {
    const out = {} as Record<Engine, Outcome>;
    for (const s of this.both) {
      const driver = s.driver(objects, options.groups ?? [], options.extra?.(s) ?? {});
      try {
        out[s.engine] = { result: await driver[op]() };
      } catch (err) {
        if (options.mayFail && err instanceof OperationError) out[s.engine] = { result: err.result, error: err };
        else throw new Error(`${s.engine} ${op}: ${messageOf(err)}\n--- output ---\n${s.output.slice(-4000)}`);
      }
    }
    return out;
  }

  /** Both engines' state, comparable. */
  states(): Record<Engine, unknown> {
    return {
      driver: comparableState(this.stacks.driver.state(), this.stacks.driver.root),
      cli: comparableState(this.stacks.cli.state(), this.stacks.cli.root),
    };
  }

  /** The URN of a top-level object of the rules program in this pair's stack. */
  urn(name: string, type = "pulumi-nodejs:dynamic/rules:Keyed"): string {
    return `urn:pulumi:${this.name}::rules-lab::${type}::${name}`;
  }

  async cleanup(): Promise<void> {
    for (const s of this.both) await s.cleanup();
  }
}
