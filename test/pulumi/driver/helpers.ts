/** Shared setup for the lifecycle-driver tests: a temp folder per stack, the files program, and readers. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LifecycleDriver, LifecycleDriverOptions, OperationError, OperationResult, StackState } from "../../../driver";
import { messageOf } from "../../../provider/host/runner/message-of";

export const FILES_PROGRAM = path.join(__dirname, "fixtures", "files-program");

/** One object of the files program (see fixtures/files-program/index.js). */
export interface ObjectSpec {
  name: string;
  content?: string;
  contentFrom?: string;
  replaceKey?: string;
  tag?: string;
  dbr?: boolean;
  fail?: "create" | "partial" | "update";
  parent?: string;
  dependsOn?: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
}

/** A test stack of the files program with its own temp folder, state file and captured output. */
export class FilesStack {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "driver-test-"));
  readonly stateFile = path.join(this.root, "state", "dev.json");
  output = "";

  constructor(
    private readonly programDir = FILES_PROGRAM,
    private readonly extra: Partial<LifecycleDriverOptions> = {},
  ) {}

  /** A driver for the given objects (and component groups). */
  driver(objects: ObjectSpec[], groups: string[] = []): LifecycleDriver {
    return new LifecycleDriver({
      programDir: this.programDir,
      stack: "dev",
      stateFile: this.stateFile,
      config: { root: this.root, objects, groups },
      write: (text) => (this.output += text),
      ...this.extra,
    });
  }

  /** Runs an operation and returns its result; prints the captured output when it unexpectedly fails. */
  async run(op: Promise<OperationResult>): Promise<OperationResult> {
    try {
      return await op;
    } catch (err) {
      throw new Error(`${messageOf(err)}\n--- output ---\n${this.output}`);
    }
  }

  /** Runs an operation that must fail and returns its error. */
  async fails(op: Promise<OperationResult>): Promise<OperationError> {
    const err = await op.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof OperationError)) throw new Error(`expected an OperationError, got ${String(err)}\n${this.output}`);
    return err;
  }

  /** Lines of events.log: "create a a-1234", "delete a a-1234", … */
  events(): string[] {
    const file = path.join(this.root, "events.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
  }

  /** Events since the given count, without IDs: "create a". */
  eventsSince(count: number): string[] {
    return this.events()
      .slice(count)
      .map((e) => e.split(" ").slice(0, 2).join(" "));
  }

  state(): StackState {
    return this.driver([]).state(); // the checkpoint, decoded (secrets decrypted and marked)
  }

  /** The state entry of an object by name. */
  resource(name: string) {
    return this.state().resources.find((r) => r.urn.endsWith(`::${name}`) && !r.delete);
  }

  /** Content of the file behind an object (by its ID in state). */
  content(name: string): string | undefined {
    const id = this.resource(name)?.id;
    const file = id ? path.join(this.root, id) : undefined;
    return file && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The custom-resource step of an object by name. */
export function stepOf(result: OperationResult, name: string) {
  return result.steps.find((s) => s.name === name && s.custom);
}

/** op of every custom step, by name, e.g. { a: "create", b: "same" }. */
export function ops(result: OperationResult): Record<string, string> {
  return Object.fromEntries(result.steps.filter((s) => s.custom).map((s) => [s.name, s.op]));
}
