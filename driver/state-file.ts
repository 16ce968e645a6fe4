/**
 * The stack's state file: a Pulumi checkpoint (deployment v3, what `pulumi stack export` prints and `pulumi stack
 * import` reads) with secrets encrypted by the passphrase secrets provider. It is read at the start of an operation
 * and rewritten atomically after steps, so a crash leaves the last consistent snapshot behind. The previous
 * release's own format (`{ version: 1, project, stack, resources }`, no secrets) is still read; the next write
 * turns it into a checkpoint.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { checkpointSalt, fromDeployment, hasSecretSig, toDeploymentText, UntypedDeploymentV3, ValueCrypter } from "./checkpoint";
import { sortByDependencies } from "./graph";
import { containsSecrets, filterSecretsOf, newStackCrypter, stackConfigSalt, stackCrypter } from "./secrets";
import type { ResourceState, StackState } from "./types";

/** Options of {@link loadState}. */
export interface LoadStateOptions {
  /**
   * The program folder: when it holds `Pulumi.<stack>.yaml` with an `encryptionsalt`, secrets are written with that
   * salt (the stack's secrets manager, as the CLI keeps it), whatever salt the checkpoint was written with.
   */
  programDir?: string;
  /** Where the passphrase is looked up (`PULUMI_CONFIG_PASSPHRASE`/`_FILE`); default: this process's environment. */
  env?: NodeJS.ProcessEnv;
}

/** True when a checkpoint value holds an encrypted secret (decrypting needs the passphrase). */
function hasCiphertext(value: unknown): boolean {
  if (hasSecretSig(value)) return typeof value.ciphertext === "string";
  if (Array.isArray(value)) return value.some(hasCiphertext);
  if (value && typeof value === "object") return Object.values(value).some(hasCiphertext);
  return false;
}

/**
 * Reads the state file; a missing file is an empty stack. Secrets come back decrypted and marked with the secret
 * signature; decrypting uses the checkpoint's own salt and the passphrase from `PULUMI_CONFIG_PASSPHRASE`(`_FILE`),
 * which is only needed when there are secrets.
 */
export function loadState(file: string, project: string, stack: string, options: LoadStateOptions = {}): StackState {
  const configSalt = options.programDir ? stackConfigSalt(options.programDir, stack) : undefined;
  if (!fs.existsSync(file)) return { version: 1, project, stack, resources: [], secretsProvider: { salt: configSalt } };
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<StackState> & Partial<UntypedDeploymentV3>;
  if (parsed.version === 1 && Array.isArray(parsed.resources)) {
    // The previous release's format: the same resource entries, no secrets, no pending operations.
    if (parsed.stack !== stack || parsed.project !== project) {
      throw new Error(`${file} holds stack ${parsed.project}/${parsed.stack}, not ${project}/${stack}`);
    }
    return { version: 1, project, stack, resources: parsed.resources, secretsProvider: { salt: configSalt } };
  }
  if (parsed.version !== 3 || !parsed.deployment) {
    throw new Error(`${file} is neither a Pulumi checkpoint (deployment version 3) nor a lifecycle-driver state file (version ${String(parsed.version)})`);
  }
  const untyped = parsed as UntypedDeploymentV3;
  const salt = checkpointSalt(untyped);
  const where = `stack ${project}/${stack} (${file})`;
  let crypter: ValueCrypter | undefined;
  if (hasCiphertext(untyped.deployment)) {
    if (!salt) throw new Error(`${where}: the checkpoint holds encrypted secrets but no passphrase secrets provider salt`);
    crypter = stackCrypter(salt, where, options.env);
  }
  let contents;
  try {
    contents = fromDeployment(untyped, crypter, project, stack);
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  filterSecretsOf([contents.state, contents.pendingOperations, contents.providers]);
  return {
    ...contents.state,
    ...(contents.pendingOperations.length > 0 ? { pendingOperations: contents.pendingOperations } : {}),
    secretsProvider: { salt: configSalt ?? salt },
    defaultProviders: { entries: contents.providers },
  };
}

/** One salt-only crypter per salt: the same object each write, so converted resources are reused (toDeploymentText). */
const saltOnlyCrypters = new Map<string | undefined, ValueCrypter & { encryptionSalt?: string }>();

/** A crypter for a state without secrets: it never encrypts, it only names the salt (if any) in the checkpoint. */
function saltOnly(encryptionSalt: string | undefined): ValueCrypter & { encryptionSalt?: string } {
  let crypter = saltOnlyCrypters.get(encryptionSalt);
  if (!crypter) {
    const never = (): string => {
      throw new Error("internal error: a state without secrets has nothing to encrypt");
    };
    crypter = { encryptionSalt, encrypt: never, decrypt: never };
    saltOnlyCrypters.set(encryptionSalt, crypter);
  }
  return crypter;
}

/** Whether each entry holds a secret, kept while it lives (entries are replaced, never changed in place). */
const entrySecrets = new WeakMap<ResourceState, boolean>();

function entryHasSecrets(r: ResourceState): boolean {
  let has = entrySecrets.get(r);
  if (has === undefined) entrySecrets.set(r, (has = containsSecrets(r)));
  return has;
}

/** Options of {@link saveState}. */
export interface SaveStateOptions extends Pick<LoadStateOptions, "env"> {
  /**
   * fsync the file before it replaces the old one (default true). Intermediate writes of an operation skip it: the
   * writes that must survive a crash (pending operations, the end of the operation) keep it.
   */
  durable?: boolean;
}

/**
 * Writes the state as a checkpoint atomically (temp file in the same folder, fsync, rename), resources in dependency
 * order. Secrets are encrypted with the stack's salt (`state.secretsProvider.salt`; a new one is made, and recorded
 * there, for the first secret of a new stack); a state without secrets needs no passphrase.
 */
export function saveState(file: string, state: StackState, options: SaveStateOptions = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const where = `stack ${state.project}/${state.stack} (${file})`;
  const salt = state.secretsProvider?.salt;
  let crypter: ValueCrypter & { encryptionSalt?: string } = saltOnly(salt);
  if (state.resources.some(entryHasSecrets) || [state.pendingOperations, state.defaultProviders].some(containsSecrets)) {
    crypter = salt ? stackCrypter(salt, where, options.env) : newStackCrypter(where, options.env);
    if (state.secretsProvider) state.secretsProvider.salt = crypter.encryptionSalt;
  }
  const text = toDeploymentText(
    { ...state, resources: sortByDependencies(state.resources) },
    {
      crypter,
      providerConfig: state.defaultProviders?.config,
      providers: state.defaultProviders?.entries,
      pendingOperations: state.pendingOperations,
    },
  );
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeFileSync(fd, text + "\n");
    if (options.durable !== false) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
