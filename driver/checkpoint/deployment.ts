/**
 * The driver's {@link StackState} ↔ a Pulumi checkpoint deployment v3 (`pulumi stack export`/`import`), with
 * secrets encrypted by the stack's passphrase secrets manager.
 *
 * The driver records no provider resources; the Pulumi engine records a default provider per package
 * (`pulumi:providers:<pkg>::default`, pkg/resource/deploy/providers/provider.go:107-121 `DefaultName`) and points every custom
 * resource at it with `provider: "<urn>::<id>"` (sdk/go/common/providers/reference.go:95-99). `toDeployment`
 * adds them, `fromDeployment` drops them (returning them for a lossless round trip).
 */
import * as crypto from "node:crypto";
import type { PropertyMap } from "../rpc";
import type { ResourceState, StackState } from "../types";
import { makeUrn, parseUrn, ROOT_STACK_TYPE } from "../urn";
import type { OperationType, OperationV2, ResourceV3, UntypedDeploymentV3 } from "./apitype";
import { openSecrets, sealSecrets, ValueCrypter } from "./property-value";

/** The provider-type prefix of provider resources (sdk/go/common/providers/reference.go:40 `IsProviderType`). */
const PROVIDER_TYPE_PREFIX = "pulumi:providers:";
/** Manifest version written by default; any string works as long as `magic` is its SHA-256 (manifest.go:84-89). */
export const DEFAULT_MANIFEST_VERSION = "v3.248.0";

/** A step the engine had started but not finished when the checkpoint was written (`apitype.OperationV2`). */
export interface PendingOperation {
  resource: ResourceState;
  type: OperationType;
}

/** Everything the driver keeps from a checkpoint. */
export interface CheckpointContents {
  state: StackState;
  pendingOperations: PendingOperation[];
  /** The default provider resources, for {@link ToDeploymentOptions.providers} (keeps their IDs stable). */
  providers: ResourceState[];
  /** The checkpoint's `encryptionsalt` (secrets_providers.state.salt), if it has a passphrase secrets provider. */
  encryptionSalt?: string;
  /** Fields of the checkpoint the driver has no place for, one line per resource (e.g. `taint`, `aliases`). */
  dropped: string[];
}

/** Options of {@link toDeployment}. */
export interface ToDeploymentOptions {
  /**
   * Encrypts secret values; its salt is written as the passphrase secrets provider's state. Without a salt (a stack
   * that never had a secret and no passphrase) the checkpoint names no secrets provider, as `omitempty` leaves it.
   */
  crypter: ValueCrypter & { encryptionSalt?: string };
  /**
   * The stack config as the engine gives it to a dynamic provider: every key with its namespace (`project:key`),
   * string values, secret ones wrapped by `makeSecret` (pkg/resource/deploy/target.go:46-72). It becomes the
   * default providers' inputs and outputs, so a `pulumi preview` after an import sees no provider change.
   */
  providerConfig?: PropertyMap;
  /** Default provider entries to keep (from {@link fromDeployment}): their IDs and timestamps are reused. */
  providers?: ResourceState[];
  pendingOperations?: PendingOperation[];
  /** Manifest time; default now. */
  time?: Date;
  /** Manifest version; default {@link DEFAULT_MANIFEST_VERSION}. */
  version?: string;
}

/** The default provider URN of a resource type's package (`pulumi-nodejs:dynamic/x:Y` → `pulumi-nodejs`). */
export function defaultProviderUrn(stack: string, project: string, type: string): string {
  return makeUrn(stack, project, `${PROVIDER_TYPE_PREFIX}${type.split(":")[0]}`, "default");
}

/** A stable provider ID for a URN (the engine uses a random UUID; any unique string is accepted). */
function providerId(urn: string): string {
  const h = crypto.createHash("sha256").update(urn).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function needsProvider(r: ResourceState): boolean {
  return r.custom && !r.type.startsWith(PROVIDER_TYPE_PREFIX);
}

function nonEmpty<T extends object>(v: T | undefined): T | undefined {
  return v && Object.keys(v).length > 0 ? v : undefined;
}

/** One resource in checkpoint form, fields in `ResourceV3` order, empty ones left out (`omitempty`). */
function toResource(r: ResourceState, crypter: ValueCrypter, provider: string | undefined): ResourceV3 {
  const out: ResourceV3 = {
    urn: r.urn,
    custom: r.custom,
    delete: r.delete || undefined,
    id: r.id || undefined,
    type: r.type,
    inputs: nonEmpty(sealSecrets(r.inputs, crypter) as PropertyMap),
    outputs: nonEmpty(sealSecrets(r.outputs, crypter) as PropertyMap),
    parent: r.parent || undefined,
    protect: r.protect || undefined,
    dependencies: nonEmpty(r.dependencies),
    initErrors: nonEmpty(r.initErrors),
    provider,
    propertyDependencies: nonEmpty(r.propertyDependencies),
    retainOnDelete: r.retainOnDelete || undefined,
    created: r.created,
    modified: r.modified,
    ignoreChanges: nonEmpty(r.ignoreChanges),
  };
  return JSON.parse(JSON.stringify(out)) as ResourceV3; // drops the undefined fields
}

/**
 * Converts the driver's state to a checkpoint deployment that `pulumi stack import` accepts: secrets encrypted,
 * a default provider per package added right after the root stack (providers must precede their users,
 * pkg/resource/deploy/snapshot.go:630-700), and each custom resource pointed at it.
 */
export function toDeployment(state: StackState, options: ToDeploymentOptions): UntypedDeploymentV3 {
  return buildDeployment(state, options, (r, ref) => toResource(r, options.crypter, ref));
}

/** Where {@link toDeploymentText} puts a resource's text: a JSON string line it then replaces. */
const SLOT = "\u0000resource:";
/** The indent of a resource in `deployment.resources` when the checkpoint is printed with 4 spaces. */
const RESOURCE_INDENT = " ".repeat(12);
/** Each resource's printed checkpoint form, kept while the entry lives: entries are replaced, never changed in place. */
const resourceTexts = new WeakMap<ResourceState, { crypter: ValueCrypter; provider: string | undefined; text: string }>();

/**
 * `JSON.stringify(toDeployment(state, options), null, 4)`, byte for byte, converting and printing only the resources
 * not printed before. Why: the state file is rewritten after every step; converting and encrypting every resource each
 * time made an operation quadratic in the stack's size. Relies on entries being replaced, never mutated.
 */
export function toDeploymentText(state: StackState, options: ToDeploymentOptions): string {
  const texts: string[] = [];
  const deployment = buildDeployment(state, options, (r, ref) => {
    const cached = resourceTexts.get(r);
    if (cached && cached.crypter === options.crypter && cached.provider === ref) texts.push(cached.text);
    else {
      const text = JSON.stringify(toResource(r, options.crypter, ref), null, 4).replace(/\n/g, `\n${RESOURCE_INDENT}`);
      resourceTexts.set(r, { crypter: options.crypter, provider: ref, text });
      texts.push(text);
    }
    return `${SLOT}${texts.length - 1}` as unknown as ResourceV3;
  });
  const slotLine = new RegExp(`^${RESOURCE_INDENT}"\\\\u0000resource:(\\d+)"`, "gm");
  return JSON.stringify(deployment, null, 4).replace(slotLine, (_m, i: string) => `${RESOURCE_INDENT}${texts[Number(i)]!}`);
}

/** The deployment with each resource (in checkpoint order) made by `convert`. */
function buildDeployment(state: StackState, options: ToDeploymentOptions, convert: (r: ResourceState, provider: string | undefined) => ResourceV3): UntypedDeploymentV3 {
  const { crypter } = options;
  const all = [...state.resources, ...(options.pendingOperations ?? []).map((op) => op.resource)];
  const providers = new Map<string, ResourceState>();
  for (const r of all.filter(needsProvider)) {
    const urn = defaultProviderUrn(state.stack, state.project, r.type);
    if (providers.has(urn)) continue;
    const kept = options.providers?.find((p) => p.urn === urn);
    const config = options.providerConfig ?? kept?.inputs ?? {};
    providers.set(urn, { ...kept, urn, type: parseUrn(urn)!.type, custom: true, id: kept?.id ?? providerId(urn), inputs: config, outputs: config, dependencies: [], propertyDependencies: {} });
  }
  const refOf = (r: ResourceState) => {
    if (!needsProvider(r)) return undefined;
    const p = providers.get(defaultProviderUrn(state.stack, state.project, r.type))!;
    return `${p.urn}::${p.id!}`;
  };
  const rootIndex = state.resources.findIndex((r) => r.type === ROOT_STACK_TYPE) + 1;
  const ordered = [...state.resources.slice(0, rootIndex), ...providers.values(), ...state.resources.slice(rootIndex)];
  const version = options.version ?? DEFAULT_MANIFEST_VERSION;
  // Providers are made anew on each call: converted directly, so only the program's entries go through `convert`.
  const resources = ordered.map((r) => (providers.has(r.urn) ? toResource(r, crypter, refOf(r)) : convert(r, refOf(r))));
  const pending: OperationV2[] = (options.pendingOperations ?? []).map((op) => ({ resource: toResource(op.resource, crypter, refOf(op.resource)), type: op.type }));
  return {
    version: 3,
    deployment: {
      manifest: { time: (options.time ?? new Date()).toISOString(), magic: crypto.createHash("sha256").update(version).digest("hex"), version },
      ...(crypter.encryptionSalt !== undefined ? { secrets_providers: { type: "passphrase", state: { salt: crypter.encryptionSalt } } } : {}),
      ...(resources.length > 0 ? { resources } : {}),
      ...(pending.length > 0 ? { pending_operations: pending } : {}),
    },
  };
}

/** Fields of `ResourceV3` the driver maps; any other field present is reported in {@link CheckpointContents.dropped}. */
const MAPPED = new Set(["urn", "custom", "delete", "id", "type", "inputs", "outputs", "parent", "protect", "dependencies", "initErrors", "provider", "propertyDependencies", "retainOnDelete", "created", "modified", "ignoreChanges"]);
/** Informational fields whose loss changes nothing the engine does. */
const COSMETIC = new Set(["sourcePosition", "stackTrace"]);

function fromResource(r: ResourceV3, crypter: ValueCrypter | undefined, dropped: string[]): ResourceState {
  const missing = "no passphrase to decrypt it: set PULUMI_CONFIG_PASSPHRASE to the stack's passphrase";
  const open = (field: "inputs" | "outputs") => {
    try {
      return openSecrets(r[field] ?? {}, crypter, missing) as PropertyMap;
    } catch (err) {
      throw new Error(`checkpoint resource ${r.urn} ${field}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const lost = Object.keys(r).filter((k) => !MAPPED.has(k) && !COSMETIC.has(k) && r[k] !== undefined && r[k] !== false);
  if (lost.length > 0) dropped.push(`${r.urn}: ${lost.sort().join(", ")}`);
  const state: ResourceState = {
    urn: r.urn,
    type: r.type,
    custom: r.custom,
    id: r.id || undefined,
    inputs: open("inputs"),
    outputs: open("outputs"),
    parent: r.parent || undefined,
    dependencies: r.dependencies ?? [],
    propertyDependencies: r.propertyDependencies ?? {},
    protect: r.protect || undefined,
    retainOnDelete: r.retainOnDelete || undefined,
    ignoreChanges: nonEmpty(r.ignoreChanges),
    initErrors: nonEmpty(r.initErrors),
    delete: r.delete || undefined,
    created: r.created,
    modified: r.modified,
  };
  return JSON.parse(JSON.stringify(state)) as ResourceState;
}

/** True for a default provider's URN (name `default` or `default_<version>`, provider.go:107-121). */
function isDefaultProvider(urn: string): boolean {
  const parsed = parseUrn(urn);
  return !!parsed && parsed.type.startsWith(PROVIDER_TYPE_PREFIX) && /^default(_|$)/.test(parsed.name);
}

/**
 * Converts a checkpoint (as `pulumi stack export` prints it) to the driver's state for `project`/`stack`. Secrets are
 * decrypted with `crypter` (open it with the checkpoint's `encryptionSalt`, see {@link checkpointSalt}). Fails on a
 * checkpoint of another stack, another secrets provider, or with explicit (non-default) providers, which the driver
 * cannot run.
 */
export function fromDeployment(untyped: UntypedDeploymentV3, crypter: ValueCrypter | undefined, project: string, stack: string): CheckpointContents {
  if (untyped.version !== 3) throw new Error(`unsupported checkpoint version ${String(untyped.version)} (the driver reads version 3)`);
  const d = untyped.deployment;
  const sp = d.secrets_providers;
  if (sp && sp.type !== "passphrase") throw new Error(`checkpoint secrets provider "${sp.type}" is not supported (only "passphrase")`);
  const dropped: string[] = [];
  const check = (r: ResourceV3): ResourceV3 => {
    const u = parseUrn(r.urn);
    if (!u || u.project !== project || u.stack !== stack) throw new Error(`checkpoint resource ${r.urn} is not of stack ${project}/${stack}`);
    if (r.provider && !isDefaultProvider(r.provider.slice(0, r.provider.lastIndexOf("::")))) {
      throw new Error(`${r.urn} uses the explicit provider ${r.provider}; the lifecycle driver runs default (dynamic) providers only`);
    }
    return r;
  };
  const resources = (d.resources ?? []).map(check);
  const isProvider = (r: ResourceV3) => r.type.startsWith(PROVIDER_TYPE_PREFIX);
  const explicit = resources.find((r) => isProvider(r) && !isDefaultProvider(r.urn));
  if (explicit) throw new Error(`the checkpoint holds the explicit provider ${explicit.urn}; the lifecycle driver runs default (dynamic) providers only`);
  return {
    state: { version: 1, project, stack, resources: resources.filter((r) => !isProvider(r)).map((r) => fromResource(r, crypter, dropped)) },
    providers: resources.filter(isProvider).map((r) => fromResource(r, crypter, dropped)),
    pendingOperations: (d.pending_operations ?? []).map((op) => ({ resource: fromResource(check(op.resource), crypter, dropped), type: op.type })),
    encryptionSalt: sp?.state?.salt,
    dropped,
  };
}

/** The passphrase salt a checkpoint's secrets are encrypted with, or undefined when it has none. */
export function checkpointSalt(untyped: UntypedDeploymentV3): string | undefined {
  return untyped.deployment.secrets_providers?.state?.salt;
}
