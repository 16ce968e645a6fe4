/**
 * Differential test: one program (the files program) under the real Pulumi CLI and under the lifecycle driver,
 * side by side through the same life — preview, up, a config change (updates, both kinds of replace, a delete, a
 * retained delete, an ignored change, a new resource), drift made by hand, refresh, repair, destroy. At each step
 * both must plan the same operation per URN, make the same provider calls, and leave the same state and outputs.
 * Differences that are the engine's by design are normalised here and listed in docs/pulumi-compat.md.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliLifecycleDriver, LabDriver, LifecycleDriver, OperationResult, ResourceState } from "../../../driver";
import { uniqueName } from "../../support/netns";
import { pulumiCliBin } from "../../support/pulumi-cli";
import { FILES_PROGRAM, ObjectSpec } from "../driver/helpers";
import { steps } from "../../support/steps";
import { messageOf } from "../../../provider/host/runner/message-of";

jest.setTimeout(180_000);

type Engine = "driver" | "cli";

/** One engine's stack of the files program: its own root folder for the files and its own state. */
class EngineStack {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "diff-test-"));
  output = "";

  constructor(
    readonly engine: Engine,
    /** The same name under both engines, so URNs match (unique: the CLI writes `Pulumi.<stack>.yaml` beside the program). */
    readonly stack: string,
  ) {}

  driver(objects: ObjectSpec[], groups: string[]): LabDriver {
    const options = {
      programDir: FILES_PROGRAM,
      stack: this.stack,
      stateFile: path.join(this.root, "state", "stack.json"),
      config: { root: this.root, objects, groups },
      write: (text: string) => (this.output += text),
    };
    return this.engine === "cli" ? new CliLifecycleDriver({ ...options, pulumiBin: pulumiCliBin() }) : new LifecycleDriver(options);
  }

  /** Provider calls so far, without IDs, sorted (parallel steps may finish in either order): ["create a", …]. */
  calls(): string[] {
    const file = path.join(this.root, "events.log");
    const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
    return lines.map((l) => l.split(" ").slice(0, 2).join(" ")).sort();
  }

  /** The provider calls for one resource, in the order they happened: ["create", "delete"]. */
  callsOf(name: string): string[] {
    const file = path.join(this.root, "events.log");
    const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
    return lines.map((l) => l.split(" ")).filter((p) => p[1] === name).map((p) => p[0]!);
  }

  /** The file behind a resource, by name. */
  file(name: string): string {
    const r = this.driver([], []).state().resources.find((x) => x.urn.endsWith(`::${name}`) && !x.delete);
    if (!r?.id) throw new Error(`${this.engine}: no ${name} in state`);
    return path.join(this.root, r.id);
  }

  async cleanup(): Promise<void> {
    const driver = this.driver([], []);
    if (driver instanceof CliLifecycleDriver) await driver.removeStack();
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** What must agree between the engines for one operation: op per resource (replaces: which half goes first). */
function plan(result: OperationResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of result.steps) {
    out[s.name] = s.op === "replace" ? `replace${s.deleteBeforeReplace ? " (delete first)" : ""}` : s.op;
    if (s.diffs.length > 0) out[s.name] += ` [${s.diffs.join(",")}]`;
  }
  return out;
}

/** State as both engines must agree on it: root paths and random IDs replaced, `__provider` left out. */
function comparableState(resources: ResourceState[], root: string): unknown {
  const norm = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? {}).split(root).join("<root>").replace(/-[0-9a-f]{8}\b/g, "-<id>"));
  const strip = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== "__provider"));
  return resources
    .map((r) => ({
      urn: r.urn,
      type: r.type,
      custom: r.custom,
      parent: r.parent,
      inputs: r.custom ? norm(strip(r.inputs)) : undefined,
      outputs: norm(strip(r.outputs)),
      dependencies: [...r.dependencies].sort(),
      propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).filter(([, v]) => v.length > 0).map(([k, v]) => [k, [...v].sort()])),
      ignoreChanges: r.ignoreChanges?.length ? r.ignoreChanges : undefined,
      protect: r.protect || undefined,
      retainOnDelete: r.retainOnDelete || undefined,
    }))
    .sort((a, b) => a.urn.localeCompare(b.urn));
}

describe("differential: the real Pulumi CLI and the lifecycle driver plan and do the same", () => {
  const step = steps(); // each step builds on the last: a failure stops the chain, naming the step
  const name = uniqueName("diff");
  const stacks = { driver: new EngineStack("driver", name), cli: new EngineStack("cli", name) };
  const both = Object.values(stacks);

  /** Runs the same operation with the same config under both engines (one after the other). */
  async function run(
    op: "preview" | "up" | "refresh" | "destroy",
    objects: ObjectSpec[],
    groups: string[] = [],
  ): Promise<Record<Engine, OperationResult>> {
    const out = {} as Record<Engine, OperationResult>;
    for (const s of both) {
      const driver = s.driver(objects, groups);
      try {
        out[s.engine] = await driver[op]();
      } catch (err) {
        throw new Error(`${s.engine} ${op}: ${messageOf(err)}\n--- output ---\n${s.output.slice(-4000)}`);
      }
    }
    return out;
  }

  /** Both engines' state, comparable. */
  function states(): Record<Engine, unknown> {
    return { driver: comparableState(stacks.driver.driver([], []).state().resources, stacks.driver.root), cli: comparableState(stacks.cli.driver([], []).state().resources, stacks.cli.root) };
  }

  /** Both engines' stack outputs, comparable. */
  function outputs(r: Record<Engine, OperationResult>): Record<Engine, unknown> {
    const norm = (o: unknown, root: string) => JSON.parse(JSON.stringify(o).split(root).join("<root>").replace(/-[0-9a-f]{8}\b/g, "-<id>"));
    return { driver: norm(r.driver.outputs, stacks.driver.root), cli: norm(r.cli.outputs, stacks.cli.root) };
  }

  afterAll(async () => {
    for (const s of both) await s.cleanup();
  });

  const v1: ObjectSpec[] = [
    { name: "a", content: "A" },
    { name: "b", content: "B", replaceKey: "1" },
    { name: "c", content: "C", replaceKey: "1", dbr: true },
    { name: "o", content: "O", replaceKey: "1", deleteBeforeReplace: true },
    { name: "d", content: "D", parent: "g" },
    { name: "e", content: "E", contentFrom: "a" },
    { name: "f", content: "F", ignoreChanges: ["content"] },
    { name: "r", content: "R", retainOnDelete: true },
    { name: "s", content: "S", dependsOn: ["a"] },
  ];
  const v2: ObjectSpec[] = [
    { name: "a", content: "A2" }, // update; e follows (its content comes from a)
    { name: "b", content: "B", replaceKey: "2" }, // replace, create first
    { name: "c", content: "C", replaceKey: "2", dbr: true }, // replace, delete first (the provider says so)
    { name: "o", content: "O", replaceKey: "2", deleteBeforeReplace: true }, // replace, delete first (resource option)
    { name: "e", content: "E", contentFrom: "a" },
    { name: "f", content: "F2", ignoreChanges: ["content"] }, // ignored: same
    { name: "s", content: "S", dependsOn: ["a"] },
    { name: "h", content: "H" }, // new
    // d: removed (delete); r: removed with retainOnDelete (dropped from state, file kept)
  ];

  step("preview of a new stack: the same plan, nothing done", async () => {
    const r = await run("preview", v1, ["g"]);
    expect(plan(r.cli)).toEqual(plan(r.driver));
    expect(plan(r.cli)).toMatchObject({ a: "create", b: "create", g: "create", [`files-lab-${stacks.cli.stack}`]: "create" });
    expect(stacks.cli.calls()).toEqual([]);
    expect(stacks.driver.calls()).toEqual([]);
    const o = outputs(r); // planned outputs: the paths are unknown until the files exist
    expect(o.cli).toEqual(o.driver);
    expect(Object.keys(o.cli as object)).toEqual(["paths"]);
  });

  step("up: the same steps, provider calls, state and outputs", async () => {
    const r = await run("up", v1, ["g"]);
    expect(plan(r.cli)).toEqual(plan(r.driver));
    expect(stacks.cli.calls()).toEqual(stacks.driver.calls());
    expect(stacks.cli.calls()).toHaveLength(9);
    const s = states();
    expect(s.cli).toEqual(s.driver);
    const o = outputs(r);
    expect(o.cli).toEqual(o.driver);
  });

  step("preview of a changed config: update, both kinds of replace, delete, retained delete, ignored change, create", async () => {
    const r = await run("preview", v2, []);
    expect(plan(r.cli)).toEqual(plan(r.driver));
    expect(plan(r.cli)).toMatchObject({
      a: "update [content]",
      b: "replace [replaceKey]",
      c: "replace (delete first) [replaceKey]",
      o: "replace (delete first) [replaceKey]",
      d: "delete",
      f: "same",
      h: "create",
      r: "delete",
    });
    const o = outputs(r);
    expect(o.cli).toEqual(o.driver);
  });

  step("up of the changed config: the same steps, provider calls, state and outputs", async () => {
    const before = { driver: stacks.driver.calls().length, cli: stacks.cli.calls().length };
    const r = await run("up", v2, []);
    expect(plan(r.cli)).toEqual(plan(r.driver));
    expect(stacks.cli.calls()).toEqual(stacks.driver.calls());
    expect(stacks.cli.calls().length - before.cli).toBe(stacks.driver.calls().length - before.driver);
    for (const st of both) {
      // The order inside a replacement: the provider's or the option's delete-before-replace, else create first.
      expect(st.callsOf("b")).toEqual(["create", "create", "delete"]);
      expect(st.callsOf("c")).toEqual(["create", "delete", "create"]);
      expect(st.callsOf("o")).toEqual(["create", "delete", "create"]);
    }
    const s = states();
    expect(s.cli).toEqual(s.driver);
    const o = outputs(r);
    expect(o.cli).toEqual(o.driver);
  });

  step("refresh after drift made by hand (a file edited, another deleted): the same drift and the same state", async () => {
    for (const s of both) {
      fs.writeFileSync(s.file("b"), "edited by hand");
      fs.rmSync(s.file("h"));
    }
    const r = await run("refresh", v2, []);
    expect(plan(r.cli)).toEqual(plan(r.driver));
    expect(plan(r.cli)).toMatchObject({ b: "refresh [content]", h: "delete", a: "same" });
    const s = states();
    expect(s.cli).toEqual(s.driver);
  });

  step("up repairs the drift the same way", async () => {
    const r = await run("up", v2, []);
    expect(plan(r.cli)).toEqual(plan(r.driver));
    expect(plan(r.cli)).toMatchObject({ b: "update [content]", h: "create", a: "same" });
    for (const s of both) expect(fs.readFileSync(s.file("b"), "utf8")).toBe("B");
    const s = states();
    expect(s.cli).toEqual(s.driver);
  });

  step("destroy: the same deletes; nothing left in state; the retained file still there", async () => {
    const r = await run("destroy", v2, []);
    expect(plan(r.cli)).toEqual(plan(r.driver));
    expect(Object.values(plan(r.cli)).every((op) => op === "delete")).toBe(true);
    expect(stacks.cli.calls()).toEqual(stacks.driver.calls());
    for (const s of both) {
      expect(s.driver([], []).state().resources).toEqual([]);
      expect(fs.readdirSync(s.root).filter((f) => f.startsWith("r-"))).toHaveLength(1);
    }
  });
});
