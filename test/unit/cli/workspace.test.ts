/** Where stacks live: the project found upwards, state and selection in the backend folder, pulumi's stack errors. */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError, EXIT } from "../../../cli/exit-codes";
import { checkStackName, openWorkspace, resolveStack, selectStack, selectedStack, stackConfigFile, stateFile } from "../../../cli/workspace";

describe("workspace", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-ws-"));
  const program = path.join(root, "program");
  const backend = path.join(root, "backend");
  const env = { QEMU_LAB_BACKEND_DIR: backend };

  beforeAll(() => {
    fs.mkdirSync(path.join(program, "sub", "dir"), { recursive: true });
    fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: ws-lab\nruntime: nodejs\n");
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("finds Pulumi.yaml upwards and puts state and selection in the backend, config beside the project", () => {
    const ws = openWorkspace(path.join(program, "sub", "dir"), env);
    expect(ws).toEqual({ programDir: program, projectFile: path.join(program, "Pulumi.yaml"), project: "ws-lab", backendDir: backend });
    expect(stateFile(ws, "dev")).toBe(path.join(backend, "stacks", "ws-lab", "dev.json"));
    expect(stackConfigFile(ws, "dev")).toBe(path.join(program, "Pulumi.dev.yaml"));
    expect(selectedStack(ws)).toBeUndefined();
    selectStack(ws, "dev");
    expect(selectedStack(ws)).toBe("dev");
    const hash = crypto.createHash("sha1").update(ws.projectFile).digest("hex");
    expect(JSON.parse(fs.readFileSync(path.join(backend, "workspaces", `ws-lab-${hash}-workspace.json`), "utf8"))).toEqual({ stack: "dev" });
  });

  it("no project: a usage error naming the folder", () => {
    expect(() => openWorkspace(root, env)).toThrow(/no Pulumi.yaml project file found \(searching upwards from /);
  });

  it("resolveStack: pulumi's errors and exit code 6 for a missing or unselected stack", () => {
    const ws = openWorkspace(program, env);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return [(err as CliError).message, (err as CliError).code];
      }
      return undefined;
    };
    expect(code(() => resolveStack(ws, "nope"))).toEqual(["no stack named 'nope' found", EXIT.stackNotFound]);
    fs.rmSync(path.join(backend, "workspaces"), { recursive: true, force: true });
    expect(code(() => resolveStack(ws, undefined))).toEqual([expect.stringMatching(/^no stack selected/), EXIT.stackNotFound]);
    fs.mkdirSync(path.dirname(stateFile(ws, "dev")), { recursive: true });
    fs.writeFileSync(stateFile(ws, "dev"), "{}");
    expect(resolveStack(ws, "organization/ws-lab/dev")).toBe("dev");
  });

  test.each(["dev", "my-stack_1.0", "org/proj/dev"])("%s is a stack name", (n) => expect(() => checkStackName(n)).not.toThrow());
  test.each(["", "a b", "a/b/c/d", "x$"])("%j is not", (n) => expect(() => checkStackName(n)).toThrow(/invalid stack name/));
});
