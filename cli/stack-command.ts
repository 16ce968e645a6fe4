/**
 * `qemu-lab stack init|select|export|import|output`: stacks of the local backend (see workspace.ts), their
 * checkpoints (the state file is a Pulumi deployment v3, driver/state-file.ts) and their outputs, with pulumi's
 * messages and formats.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkpointSalt, fromDeployment, hasSecretSig, SECRET_SIG, SIG_KEY, UntypedDeploymentV3 } from "../driver/checkpoint";
import { maskSecrets, revealSecrets, stackCrypter } from "../driver/secrets";
import { loadState, saveState } from "../driver/state-file";
import type { StackState } from "../driver/types";
import { ROOT_STACK_TYPE } from "../driver/urn";
import type { Command } from "./args";
import { CliError, EXIT } from "./exit-codes";
import { CliIo, readAll } from "./io";
import { readStackConfig, stackConfigCrypter, writeStackConfig } from "./stack-config";
import { checkStackName, openWorkspace, resolveStack, selectStack, stackConfigFile, stackExists, stateFile, Workspace } from "./workspace";
import { messageOf } from "../provider/host/runner/message-of";

/** Runs `fn`, turning a plain error into a {@link CliError} (the driver's errors already say what to fix). */
function cli<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(messageOf(err));
  }
}

/**
 * `stack init NAME`: the stack's passphrase salt in `Pulumi.<stack>.yaml` (kept when the file already has one, as a
 * checked-in file may), an empty checkpoint with that salt, and the stack selected — what `pulumi stack init` does
 * with a passphrase secrets provider.
 */
export function stackInit(cmd: Extract<Command, { kind: "stack-init" }>, io: CliIo): void {
  const ws = openWorkspace(cmd.cwd);
  const stack = checkStackName(cmd.name);
  if (stackExists(ws, stack)) throw new CliError(`stack '${stack}' already exists`);
  const file = stackConfigFile(ws, stack);
  const doc = readStackConfig(file);
  const hadSalt = doc.encryptionsalt !== undefined;
  const crypter = stackConfigCrypter(doc, file, true);
  if (!hadSalt) writeStackConfig(file, doc);
  cli(() => saveState(stateFile(ws, stack), { version: 1, project: ws.project, stack, resources: [], secretsProvider: { salt: crypter.encryptionSalt } }));
  selectStack(ws, stack);
  io.out(`Created stack '${stack}'\n`);
}

/** `stack select NAME`: the stack must exist. */
export function stackSelect(cmd: Extract<Command, { kind: "stack-select" }>): void {
  const ws = openWorkspace(cmd.cwd);
  selectStack(ws, resolveStack(ws, cmd.name));
}

/** Every `{ sig, ciphertext }` of a checkpoint replaced by `{ sig, plaintext }` (`stack export --show-secrets`). */
export function showSecrets(value: unknown, decrypt: (ciphertext: string) => string): unknown {
  if (hasSecretSig(value) && typeof value.ciphertext === "string") return { [SIG_KEY]: SECRET_SIG, plaintext: decrypt(value.ciphertext) };
  if (Array.isArray(value)) return value.map((v) => showSecrets(v, decrypt));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, showSecrets(v, decrypt)]));
  return value;
}

/** The stack's checkpoint as stored; a state file of the previous release's format is converted first. */
function readCheckpoint(ws: Workspace, stack: string): UntypedDeploymentV3 {
  const file = stateFile(ws, stack);
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { version?: unknown };
  if (parsed.version === 3) return parsed as UntypedDeploymentV3;
  // Why through a temp file: saveState is the one writer of the checkpoint format.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-lab-export-"));
  try {
    cli(() => saveState(path.join(tmp, "state.json"), loadState(file, ws.project, stack, { programDir: ws.programDir })));
    return JSON.parse(fs.readFileSync(path.join(tmp, "state.json"), "utf8")) as UntypedDeploymentV3;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `stack export [--file F] [--show-secrets]`: the checkpoint (deployment v3), as `pulumi stack export` prints it. */
export function stackExport(cmd: Extract<Command, { kind: "stack-export" }>, io: CliIo): void {
  const ws = openWorkspace(cmd.cwd);
  const stack = resolveStack(ws, cmd.stack);
  let deployment: unknown = readCheckpoint(ws, stack);
  if (cmd.showSecrets) {
    const salt = checkpointSalt(deployment as UntypedDeploymentV3);
    if (salt) {
      const crypter = cli(() => stackCrypter(salt, `stack ${ws.project}/${stack}`));
      deployment = showSecrets(deployment, (c) => crypter.decrypt(c));
    }
  }
  const text = JSON.stringify(deployment, null, 4) + "\n";
  if (cmd.file) fs.writeFileSync(cmd.file, text, { mode: 0o600 });
  else io.out(text);
}

/**
 * `stack import [--file F]` (stdin without `--file`): a checkpoint of this stack replaces its state; secrets are
 * decrypted with the checkpoint's salt and written with the stack's (as pulumi re-encrypts into the target stack).
 */
export async function stackImport(cmd: Extract<Command, { kind: "stack-import" }>, io: CliIo): Promise<void> {
  const ws = openWorkspace(cmd.cwd);
  const stack = resolveStack(ws, cmd.stack);
  const text = cmd.file ? fs.readFileSync(cmd.file, "utf8") : await readAll(io.stdin);
  let deployment: UntypedDeploymentV3;
  try {
    deployment = JSON.parse(text) as UntypedDeploymentV3;
  } catch (err) {
    throw new CliError(`could not read deployment: ${messageOf(err)}`, EXIT.configuration);
  }
  if (deployment?.version !== 3 || !deployment.deployment) {
    throw new CliError(`could not read deployment: expected a deployment of version 3 (what \`stack export\` prints)`, EXIT.configuration);
  }
  const salt = checkpointSalt(deployment);
  const hasCipher = JSON.stringify(deployment.deployment).includes('"ciphertext"');
  const crypter = hasCipher && salt ? cli(() => stackCrypter(salt, "the imported deployment")) : undefined;
  const contents = cli(() => fromDeployment(deployment, crypter, ws.project, stack));
  const configFile = stackConfigFile(ws, stack);
  const doc = readStackConfig(configFile);
  // Why the stack's salt first: secrets then stay readable with the stack's own Pulumi.<stack>.yaml.
  const targetSalt = doc.encryptionsalt ?? salt;
  const state: StackState = {
    ...contents.state,
    ...(contents.pendingOperations.length > 0 ? { pendingOperations: contents.pendingOperations } : {}),
    secretsProvider: { salt: targetSalt },
    defaultProviders: { entries: contents.providers },
  };
  cli(() => saveState(stateFile(ws, stack), state));
  if (!doc.encryptionsalt && state.secretsProvider?.salt) writeStackConfig(configFile, { ...doc, encryptionsalt: state.secretsProvider.salt });
  for (const line of contents.dropped) io.err(`warning: dropped from the checkpoint: ${line}\n`);
  io.out("Import complete.\n");
}

/** A value as pulumi shows it in `stack output`: strings raw, anything else as one-line JSON. */
function stringify(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** pulumi's table of outputs (pkg/cmd/pulumi/stack/stack.go:252-278): sorted keys, `OUTPUT  VALUE`, 4-space indent. */
export function formatOutputs(outputs: Record<string, unknown>): string {
  const keys = Object.keys(outputs).sort();
  let out = `Current stack outputs (${keys.length}):\n`;
  if (keys.length === 0) return out + "    No output values currently in this stack\n";
  const width = Math.max("OUTPUT".length, ...keys.map((k) => k.length));
  out += `    ${"OUTPUT".padEnd(width)}  VALUE\n`;
  for (const k of keys) out += `    ${k.padEnd(width)}  ${stringify(outputs[k])}\n`;
  return out;
}

/** `stack output [NAME] [--json] [--show-secrets]`: secrets show as `[secret]` unless `--show-secrets`. */
export function stackOutput(cmd: Extract<Command, { kind: "stack-output" }>, io: CliIo): void {
  const ws = openWorkspace(cmd.cwd);
  const stack = resolveStack(ws, cmd.stack);
  const state = cli(() => loadState(stateFile(ws, stack), ws.project, stack, { programDir: ws.programDir }));
  const recorded = state.resources.find((r) => r.type === ROOT_STACK_TYPE && !r.delete)?.outputs ?? {};
  const outputs = (cmd.showSecrets ? revealSecrets(recorded) : maskSecrets(recorded)) as Record<string, unknown>;
  if (cmd.name !== undefined) {
    if (!(cmd.name in outputs)) throw new CliError(`current stack does not have output property '${cmd.name}'`);
    io.out(cmd.json ? JSON.stringify(outputs[cmd.name], null, 2) + "\n" : stringify(outputs[cmd.name]) + "\n");
    return;
  }
  io.out(cmd.json ? JSON.stringify(outputs, null, 2) + "\n" : formatOutputs(outputs));
}
