import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LifecycleDriver, OperationError } from "../../../driver";

// The repository's examples are TypeScript: cmd/run compiles them with the ts-node vendored in @pulumi/pulumi.
describe("lifecycle driver: TypeScript programs", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "driver-ts-"));
  let output = "";
  const driver = (config: Record<string, unknown>) =>
    new LifecycleDriver({
      programDir: path.join(__dirname, "fixtures", "ts-program"),
      stack: "dev",
      stateFile: path.join(root, "state.json"),
      config: { root, ...config },
      write: (t) => (output += t),
    });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("runs index.ts (with a local .ts import), records outputs, and destroys", async () => {
    const up = await driver({ text: "hello", owner: "lab" }).up();
    expect(up.steps.find((s) => s.name === "note")).toMatchObject({ op: "create", type: "pulumi-nodejs:dynamic/notes:Note" });
    // `owner` reaches the provider through Configure (the whole stack config, as the engine sends it).
    expect(up.outputs).toEqual({ file: path.join(root, "note.txt"), length: 5, owner: "lab" });
    expect(fs.readFileSync(path.join(root, "note.txt"), "utf8")).toBe("hello");

    const changed = await driver({ text: "hello world", owner: "lab" }).up();
    expect(changed.steps.find((s) => s.name === "note")).toMatchObject({ op: "update", diffs: ["text"] });
    expect(changed.outputs.length).toBe(11);

    await driver({ text: "x" }).destroy();
    expect(fs.existsSync(path.join(root, "note.txt"))).toBe(false);
  });

  it("reports a program that throws, and deletes nothing", async () => {
    await driver({ text: "kept" }).up();
    const err = await driver({}).up().catch((e: unknown) => e); // config "text" missing: the program throws
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toContain("Missing required configuration variable 'ts-lab:text'");
    expect(fs.readFileSync(path.join(root, "note.txt"), "utf8")).toBe("kept");
    expect((err as OperationError).result.steps.filter((s) => s.op === "delete")).toEqual([]);
    await driver({ text: "x" }).destroy();
  });
});
