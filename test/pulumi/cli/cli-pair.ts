/**
 * One program run as the same stack by the real `pulumi` (file backend) and by `qemu-lab` (dist/cli/main.js), each in
 * its own copy of the program folder (each CLI keeps its own `Pulumi.<stack>.yaml`), for tests that compare what the
 * two commands print and store.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pulumiFileBackendEnv } from "../../support/pulumi-cli";

export const QEMU_LAB_MAIN = path.resolve(__dirname, "..", "..", "..", "dist", "cli", "main.js");

/** The two commands. */
export type Cli = "pulumi" | "qemu-lab";

/** A command's outcome. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Both CLIs' copies of one program and their backends under one temporary folder. */
export class CliPair {
  readonly work = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-cli-pair-"));
  /** Every stdout and stderr so far, of both commands (to check that no secret was ever printed). */
  readonly transcripts: string[] = [];
  private readonly env: Record<Cli, NodeJS.ProcessEnv>;

  constructor(
    readonly project: string,
    program: string,
    passphrase: string,
    extraEnv: NodeJS.ProcessEnv = {},
  ) {
    if (!fs.existsSync(QEMU_LAB_MAIN)) throw new Error(`${QEMU_LAB_MAIN} is missing: run \`npm run build\` first (npm test does)`);
    const pulumiEnv = { ...pulumiFileBackendEnv(this.work, passphrase), ...extraEnv };
    const labEnv: NodeJS.ProcessEnv = { ...process.env, QEMU_LAB_BACKEND_DIR: path.join(this.work, "lab-backend"), PULUMI_CONFIG_PASSPHRASE: passphrase, ...extraEnv };
    delete pulumiEnv.NODE_OPTIONS; // jest's --experimental-vm-modules is not the user's
    delete labEnv.NODE_OPTIONS;
    this.env = { pulumi: pulumiEnv, "qemu-lab": labEnv };
    fs.mkdirSync(path.join(this.work, "backend"));
    for (const cli of ["pulumi", "qemu-lab"] as const) {
      const dir = this.dir(cli);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\nmain: index.js\n`);
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: project, private: true }));
      fs.writeFileSync(path.join(dir, "index.js"), program);
      // Why a link: the program resolves @pulumi/pulumi from the repository's node_modules, as the fixtures do.
      fs.symlinkSync(path.resolve(__dirname, "..", "..", "..", "node_modules"), path.join(dir, "node_modules"));
    }
  }

  /** The program folder of one CLI. */
  dir(cli: Cli): string {
    return path.join(this.work, cli);
  }

  /** Runs one command in its program folder (no stdin: a non-interactive session). */
  run(cli: Cli, args: string[]): Promise<CliRun> {
    const [file, argv] = cli === "pulumi" ? ["pulumi", [...args, "--non-interactive", "--color", "never"]] : [process.execPath, [QEMU_LAB_MAIN, ...args]];
    return new Promise((resolve) => {
      const child = execFile(file, argv, { cwd: this.dir(cli), env: this.env[cli], timeout: 150_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        this.transcripts.push(stdout, stderr);
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
      child.stdin?.end();
    });
  }

  /** Runs a command that must succeed; returns its stdout, or throws with its output. */
  async ok(cli: Cli, ...args: string[]): Promise<string> {
    const r = await this.run(cli, args);
    if (r.code !== 0) throw new Error(`${cli} ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /** The same command under both CLIs, one after the other. */
  async both(...args: string[]): Promise<Record<Cli, string>> {
    return { pulumi: await this.ok("pulumi", ...args), "qemu-lab": await this.ok("qemu-lab", ...args) };
  }

  /** `stack init` and the config (values set with `config set`, secrets with `--secret`) under both CLIs. */
  async init(stack: string, config: Record<string, string>, secrets: Record<string, string> = {}): Promise<void> {
    await this.both("stack", "init", stack);
    await this.config(config, secrets);
  }

  /** `config set` of each value (and `--secret` of each secret) under both CLIs. */
  async config(config: Record<string, string>, secrets: Record<string, string> = {}): Promise<void> {
    for (const [k, v] of Object.entries(config)) await this.both("config", "set", k, v);
    for (const [k, v] of Object.entries(secrets)) await this.both("config", "set", "--secret", k, v);
  }

  /** The qemu-lab stack's state file (`$QEMU_LAB_BACKEND_DIR/stacks/<project>/<stack>.json`). */
  labStateFile(stack: string): string {
    return path.join(this.work, "lab-backend", "stacks", this.project, `${stack}.json`);
  }

  /** The pulumi stack's checkpoint in its file backend. */
  pulumiStateFile(stack: string): string {
    return path.join(this.work, "backend", ".pulumi", "stacks", this.project, `${stack}.json`);
  }

  cleanup(): void {
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}
