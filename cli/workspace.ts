/**
 * Where a project's stacks live, laid out like the Pulumi CLI with a local (`file://`) backend:
 * - the project is the nearest `Pulumi.yaml` from `--cwd` upwards (pkg/workspace/workspace.go:78-84);
 * - a stack's config is `Pulumi.<stack>.yaml` beside it (written by `config set`, see stack-config.ts);
 * - a stack's state is `<backend>/stacks/<project>/<stack>.json` (the file backend's `.pulumi/stacks/…`), the backend
 *   being `$QEMU_LAB_BACKEND_DIR`, else `~/.qemu-lab`; the file exists from `stack init` on, so it is the stack;
 * - the selected stack is kept outside the program folder, in `<backend>/workspaces/<project>-<sha1 of the
 *   Pulumi.yaml path>-workspace.json` (`{"stack": …}`), as pulumi keeps it in `~/.pulumi/workspaces`
 *   (workspace.go:182-185), so the program folder holds nothing a user would have to ignore in git.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readProjectFile } from "../driver/program";
import { CliError, EXIT } from "./exit-codes";

/** A project and its backend folder. */
export interface Workspace {
  /** The folder holding `Pulumi.yaml` (the program folder). */
  programDir: string;
  /** The project's `Pulumi.yaml`/`Pulumi.yml`. */
  projectFile: string;
  project: string;
  /** The backend folder (`$QEMU_LAB_BACKEND_DIR`, else `~/.qemu-lab`). */
  backendDir: string;
}

/** The backend folder for an environment. */
export function backendDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.QEMU_LAB_BACKEND_DIR || path.join(os.homedir(), ".qemu-lab"));
}

/** Finds the project from `cwd` upwards; fails like pulumi when there is none. */
export function openWorkspace(cwd: string, env: NodeJS.ProcessEnv = process.env): Workspace {
  const start = path.resolve(cwd);
  for (let dir = start; ; dir = path.dirname(dir)) {
    const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    if (projectFile) return { programDir: dir, projectFile, project: readProjectFile(dir).name, backendDir: backendDir(env) };
    if (path.dirname(dir) === dir) break;
  }
  throw new CliError(
    `no Pulumi.yaml project file found (searching upwards from ${start}). Pass --cwd with the folder of your program's Pulumi.yaml`,
    EXIT.configuration,
  );
}

/** A stack name as the local backend accepts it: letters, digits, `-`, `_`, `.` (pkg/backend/diy: ValidateStackName). */
export function checkStackName(name: string): string {
  // Why accept organization/project/stack: pulumi's fully qualified form; only the last part names the files.
  const short = name.split("/").pop() ?? "";
  if (!/^[A-Za-z0-9_.-]+$/.test(short) || name.split("/").length > 3) {
    throw new CliError(`invalid stack name ${JSON.stringify(name)}: stack names may only contain alphanumerics, hyphens, underscores, or periods`, EXIT.configuration);
  }
  return short;
}

/** The state (checkpoint) file of a stack. */
export function stateFile(ws: Workspace, stack: string): string {
  return path.join(ws.backendDir, "stacks", ws.project, `${stack}.json`);
}

/** `Pulumi.<stack>.yaml` beside `Pulumi.yaml`. */
export function stackConfigFile(ws: Workspace, stack: string): string {
  return path.join(ws.programDir, `Pulumi.${stack}.yaml`);
}

/** True when the stack was initialised (its state file exists). */
export function stackExists(ws: Workspace, stack: string): boolean {
  return fs.existsSync(stateFile(ws, stack));
}

function workspaceSettingsFile(ws: Workspace): string {
  const hash = crypto.createHash("sha1").update(ws.projectFile).digest("hex");
  return path.join(ws.backendDir, "workspaces", `${ws.project}-${hash}-workspace.json`);
}

/** The selected stack, if any. */
export function selectedStack(ws: Workspace): string | undefined {
  const file = workspaceSettingsFile(ws);
  if (!fs.existsSync(file)) return undefined;
  const settings = JSON.parse(fs.readFileSync(file, "utf8")) as { stack?: unknown };
  return typeof settings.stack === "string" && settings.stack ? settings.stack : undefined;
}

/** Makes `stack` the selected stack of the project. */
export function selectStack(ws: Workspace, stack: string): void {
  const file = workspaceSettingsFile(ws);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ stack }, null, 4) + "\n");
}

/**
 * The stack a command works on: `--stack` (which must exist), else the selected one. Errors and exit codes as pulumi's
 * (backenderr.StackNotFoundError / NoStackSelectedError → 6).
 */
export function resolveStack(ws: Workspace, flag: string | undefined): string {
  const stack = flag !== undefined ? checkStackName(flag) : selectedStack(ws);
  if (stack === undefined) {
    throw new CliError("no stack selected; please use `qemu-lab stack select` or `qemu-lab stack init` to choose one", EXIT.stackNotFound);
  }
  if (!stackExists(ws, stack)) throw new CliError(`no stack named '${stack}' found`, EXIT.stackNotFound);
  return stack;
}
