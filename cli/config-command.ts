/**
 * `qemu-lab config set [--secret] KEY VALUE` and `qemu-lab config get KEY`: the stack's `Pulumi.<stack>.yaml`, read
 * and written as the Pulumi CLI does (see stack-config.ts), so either tool reads what the other wrote.
 */
import type { Command } from "./args";
import { CliError } from "./exit-codes";
import type { CliIo } from "./io";
import { getConfigValue, hasSecure, namespacedKey, readStackConfig, setConfigValue, stackConfigCrypter, writeStackConfig } from "./stack-config";
import { openWorkspace, resolveStack, stackConfigFile } from "./workspace";

/** `config set`: a plain value, or with `--secret` one encrypted with the stack's passphrase (a salt is made if none). */
export function configSet(cmd: Extract<Command, { kind: "config-set" }>): void {
  const ws = openWorkspace(cmd.cwd);
  const stack = resolveStack(ws, cmd.stack);
  const file = stackConfigFile(ws, stack);
  const doc = readStackConfig(file);
  const crypter = cmd.secret ? stackConfigCrypter(doc, file, true) : undefined;
  setConfigValue(doc, namespacedKey(ws.project, cmd.key), cmd.value, crypter);
  writeStackConfig(file, doc);
}

/** `config get`: the plaintext value (strings as they are, objects as JSON), or pulumi's error when it is not set. */
export function configGet(cmd: Extract<Command, { kind: "config-get" }>, io: CliIo): void {
  const ws = openWorkspace(cmd.cwd);
  const stack = resolveStack(ws, cmd.stack);
  const file = stackConfigFile(ws, stack);
  const doc = readStackConfig(file);
  const key = namespacedKey(ws.project, cmd.key);
  const raw = doc.config?.[key];
  if (raw === undefined) throw new CliError(`configuration key '${cmd.key}' not found for stack '${stack}'`);
  const secret = hasSecure(raw);
  const value = getConfigValue(doc, key, secret ? stackConfigCrypter(doc, file, false) : undefined);
  if (cmd.json) io.out(JSON.stringify({ value: typeof value === "string" ? value : JSON.stringify(value), secret, objectValue: typeof value === "string" ? undefined : value }, null, 2) + "\n");
  else io.out(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
}
