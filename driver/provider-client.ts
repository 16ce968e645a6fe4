/**
 * A typed client for the real `@pulumi/pulumi/cmd/dynamic-provider` process: it starts the process, reads its
 * port and exposes the resource-provider gRPC calls with plain JS objects in and out.
 */
import type { ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as anyproto from "google-protobuf/google/protobuf/any_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";
import { childEnv, killAndWait, resolvePulumiDir, spawnTracked, waitForExit } from "./child";
import { fromStruct, grpc, GrpcError, PropertyMap, toStruct } from "./rpc";
import { annotateSecrets, filterSecretsOf, revealSecrets } from "./secrets";
import { parseUrn } from "./urn";

/** Options for {@link ProviderClient.start}. */
export interface ProviderStartOptions {
  /** Working directory of the provider process: the program's folder, so `require()` resolves its packages. */
  cwd: string;
  /** Extra environment variables (e.g. `PULUMI_NODEJS_PROJECT`); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** The `@pulumi/pulumi` folder whose `cmd/dynamic-provider` is run; default: the one `cwd` resolves. */
  pulumiDir?: string;
  /** Value of the (unused by the dynamic provider, but required) engine-address argument. */
  engineAddress?: string;
  /** Receives the provider's stdout lines after the port line (e.g. `console.log` in provider code). */
  onStdout?: (line: string) => void;
  /** Receives the provider's stderr lines (the dynamic provider logs failed calls' stacks there). */
  onStderr?: (line: string) => void;
  /** How long to wait for the port line; default 30 s. */
  startTimeoutMs?: number;
}

/** A Check failure reported by the provider's `check`. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Result of {@link ProviderClient.check}. */
export interface CheckResult {
  inputs: PropertyMap;
  failures: CheckFailure[];
}

/** Result of {@link ProviderClient.diff}; `changes` is `unknown` when the provider has no `diff` method. */
export interface DiffResult {
  changes: "unknown" | "none" | "some";
  replaces: string[];
  stables: string[];
  diffs: string[];
  deleteBeforeReplace: boolean;
}

/** Result of {@link ProviderClient.read}; `id` is absent when the resource no longer exists. */
export interface ReadResult {
  id?: string;
  properties: PropertyMap;
  inputs?: PropertyMap;
}

/** An error returned by a provider call, with the provider's own message. */
export class ProviderError extends Error {
  /** The gRPC status code. */
  readonly code: number | undefined;
  constructor(
    readonly method: string,
    readonly urn: string | undefined,
    message: string,
    code?: number,
  ) {
    super(message);
    this.name = "ProviderError";
    this.code = code;
  }
}

/**
 * A create/update that failed after the resource came into existence: the provider's error carried `id`,
 * `properties` and `reasons` (`ErrorResourceInitFailed`). The engine records such a resource in state.
 */
export class ResourceInitError extends ProviderError {
  constructor(
    method: string,
    urn: string | undefined,
    message: string,
    readonly id: string,
    readonly properties: PropertyMap,
    readonly reasons: string[],
    readonly inputs?: PropertyMap,
  ) {
    super(method, urn, message);
    this.name = "ResourceInitError";
  }
}

const INIT_FAILED_TYPE = "pulumirpc.ErrorResourceInitFailed";

/** Extracts an `ErrorResourceInitFailed` detail from a gRPC error, if there is one. */
function initFailure(err: GrpcError): provproto.ErrorResourceInitFailed | undefined {
  const raw = err.metadata?.get("grpc-status-details-bin")?.[0];
  if (raw === undefined) return undefined;
  const bytes = typeof raw === "string" ? Buffer.from(raw, "base64") : raw;
  const status = statusproto.Status.deserializeBinary(new Uint8Array(bytes));
  for (const detail of status.getDetailsList() as anyproto.Any[]) {
    if (detail.getTypeName() === INIT_FAILED_TYPE) {
      return detail.unpack(provproto.ErrorResourceInitFailed.deserializeBinary, INIT_FAILED_TYPE) ?? undefined;
    }
  }
  return undefined;
}

type Callback<Res> = (err: grpc.ServiceError | null, res: Res) => void;

/**
 * A running dynamic-provider process and a gRPC client to it. All calls may run concurrently, as the engine's do.
 */
export class ProviderClient {
  private closed = false;
  /**
   * The provider's answer to Configure: false (the dynamic provider's, cmd/dynamic-provider/index.js:111) means
   * secrets are sent to it as plaintext and its results re-marked, as the engine does (provider_plugin.go:1146, :1190).
   */
  private acceptSecrets = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: provrpc.ResourceProviderClient,
    /** The provider's gRPC address (`127.0.0.1:PORT`). */
    readonly address: string,
  ) {}

  /** The provider process ID. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts `node <pulumi>/cmd/dynamic-provider <engine>` in `options.cwd` and connects to the port it prints. */
  static async start(options: ProviderStartOptions): Promise<ProviderClient> {
    const pulumiDir = options.pulumiDir ?? resolvePulumiDir(options.cwd);
    const entry = path.join(pulumiDir, "cmd", "dynamic-provider");
    let resolvePort: (port: string) => void = () => undefined;
    const portLine = new Promise<string>((resolve) => (resolvePort = resolve));
    let gotPort = false;
    const stderr: string[] = [];
    const child = spawnTracked(
      process.execPath,
      [entry, options.engineAddress ?? "127.0.0.1:1"],
      { cwd: options.cwd, env: childEnv(options.env ?? {}) },
      (line) => {
        if (!gotPort && /^\d+$/.test(line.trim())) {
          gotPort = true;
          resolvePort(line.trim());
        } else {
          options.onStdout?.(line);
        }
      },
      (line) => {
        if (!gotPort) stderr.push(line);
        options.onStderr?.(line);
      },
    );
    const timeoutMs = options.startTimeoutMs ?? 30000;
    let timer: NodeJS.Timeout | undefined;
    const failure = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`dynamic provider did not print its port within ${timeoutMs} ms`)), timeoutMs);
      void waitForExit(child).then((code) =>
        reject(new Error(`dynamic provider exited (code ${code}) before printing its port: ${stderr.join("\n")}`)),
      );
    });
    let port: string;
    try {
      port = await Promise.race([portLine, failure]);
    } catch (err) {
      await killAndWait(child);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    failure.catch(() => undefined); // Why: the exit watcher rejects later, on close(); nobody listens then.
    const address = `127.0.0.1:${port}`;
    const client = new provrpc.ResourceProviderClient(address, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 400 * 1024 * 1024,
    });
    return new ProviderClient(child, client, address);
  }

  private call<Res>(method: string, urn: string | undefined, invoke: (cb: Callback<Res>) => unknown): Promise<Res> {
    if (this.closed) return Promise.reject(new ProviderError(method, urn, "provider client is closed"));
    return new Promise((resolve, reject) => {
      invoke((err, res) => {
        if (!err) {
          resolve(res);
          return;
        }
        const message = err.details || err.message;
        const init = initFailure(err);
        if (init) {
          const inputs = init.getInputs();
          reject(
            new ResourceInitError(
              method,
              urn,
              message,
              init.getId(),
              fromStruct(init.getProperties()),
              init.getReasonsList(),
              inputs ? fromStruct(inputs) : undefined,
            ),
          );
        } else {
          reject(new ProviderError(method, urn, message, err.code));
        }
      });
    });
  }

  /** Secrets as plaintext unless the provider said it accepts them. */
  private wire<T>(value: T): T {
    return this.acceptSecrets ? value : revealSecrets(value);
  }

  /** Re-marks as secret what a provider without secrets support returns for secret inputs (engine's rule). */
  private annotate(outs: PropertyMap, ins: PropertyMap | undefined): PropertyMap {
    if (!this.acceptSecrets) annotateSecrets(outs, ins);
    return filterSecretsOf(outs);
  }

  /**
   * Configure: always sends `args` (the dynamic provider rejects a request without them), secrets kept as secrets and
   * `acceptSecrets: true`, as the engine does (provider_plugin.go:1092-1097, :1127); the answer decides how later
   * calls carry secrets.
   */
  async configure(args: PropertyMap = {}): Promise<{ acceptSecrets: boolean; acceptResources: boolean }> {
    const req = new provproto.ConfigureRequest();
    req.setArgs(toStruct(args));
    req.setAcceptsecrets(true);
    req.setAcceptresources(false);
    req.setSendsOldInputs(true);
    req.setSendsOldInputsToDelete(true);
    const res = await this.call<provproto.ConfigureResponse>("Configure", undefined, (cb) => this.client.configure(req, cb));
    this.acceptSecrets = res.getAcceptsecrets();
    return { acceptSecrets: res.getAcceptsecrets(), acceptResources: res.getAcceptresources() };
  }

  /** Check: validates `news` against `olds` (the previous inputs, `{}` for a create) and returns checked inputs. */
  async check(args: { urn: string; olds?: PropertyMap; news: PropertyMap }): Promise<CheckResult> {
    const req = new provproto.CheckRequest();
    setIdentity(req, args.urn);
    req.setOlds(toStruct(this.wire(args.olds)));
    req.setNews(toStruct(this.wire(args.news)));
    const res = await this.call<provproto.CheckResponse>("Check", args.urn, (cb) => this.client.check(req, cb));
    return {
      inputs: this.annotate(fromStruct(res.getInputs()), args.news),
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  /** Diff: `olds` are the old *outputs* (as the engine sends them), `news` the checked new inputs. */
  async diff(args: ChangeArgs): Promise<DiffResult> {
    const req = setChange(new provproto.DiffRequest(), this.wire(args));
    const res = await this.call<provproto.DiffResponse>("Diff", args.urn, (cb) => this.client.diff(req, cb));
    const changes = res.getChanges();
    return {
      changes:
        changes === provproto.DiffResponse.DiffChanges.DIFF_SOME
          ? "some"
          : changes === provproto.DiffResponse.DiffChanges.DIFF_NONE
            ? "none"
            : "unknown",
      replaces: res.getReplacesList(),
      stables: res.getStablesList(),
      diffs: res.getDiffsList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
    };
  }

  /** Create: rejects with {@link ResourceInitError} when the provider reports a partially created resource. */
  async create(args: { urn: string; properties: PropertyMap; preview?: boolean }): Promise<{ id: string; properties: PropertyMap }> {
    const req = new provproto.CreateRequest();
    setIdentity(req, args.urn);
    req.setProperties(toStruct(this.wire(args.properties)));
    req.setPreview(args.preview ?? false);
    const res = await this.call<provproto.CreateResponse>("Create", args.urn, (cb) => this.client.create(req, cb)).catch((err: unknown) => {
      if (err instanceof ResourceInitError) this.annotate(err.properties, args.properties);
      throw err;
    });
    return { id: res.getId(), properties: this.annotate(fromStruct(res.getProperties()), args.properties) };
  }

  /** Read: `properties` are the stored outputs, `inputs` the stored inputs; a result without `id` means gone. */
  async read(args: { urn: string; id: string; properties: PropertyMap; inputs?: PropertyMap }): Promise<ReadResult> {
    const req = setStored(new provproto.ReadRequest(), this.wire(args));
    if (args.inputs) req.setInputs(toStruct(this.wire(args.inputs)));
    const res = await this.call<provproto.ReadResponse>("Read", args.urn, (cb) => this.client.read(req, cb));
    const id = res.getId();
    const inputs = res.getInputs();
    return {
      id: id ? id : undefined,
      properties: this.annotate(fromStruct(res.getProperties()), args.properties),
      inputs: inputs ? this.annotate(fromStruct(inputs), args.inputs) : undefined,
    };
  }

  /** Update: `olds` are the old outputs, `news` the checked new inputs. */
  async update(args: ChangeArgs & { preview?: boolean }): Promise<{ properties: PropertyMap }> {
    const req = setChange(new provproto.UpdateRequest(), this.wire(args));
    req.setPreview(args.preview ?? false);
    const res = await this.call<provproto.UpdateResponse>("Update", args.urn, (cb) => this.client.update(req, cb)).catch((err: unknown) => {
      if (err instanceof ResourceInitError) this.annotate(err.properties, args.news);
      throw err;
    });
    return { properties: this.annotate(fromStruct(res.getProperties()), args.news) };
  }

  /** Delete: `properties` are the stored outputs (they carry `__provider`). */
  async delete(args: { urn: string; id: string; properties: PropertyMap; oldInputs?: PropertyMap }): Promise<void> {
    const req = setStored(new provproto.DeleteRequest(), this.wire(args));
    if (args.oldInputs) req.setOldInputs(toStruct(this.wire(args.oldInputs)));
    await this.call<emptyproto.Empty>("Delete", args.urn, (cb) => this.client.delete(req, cb));
  }

  /** Closes the channel, kills the process by PID and waits for it to exit. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
    await killAndWait(this.child);
  }
}

/** What Diff and Update both take: the old outputs and inputs, the checked new inputs. */
export interface ChangeArgs {
  urn: string;
  id: string;
  olds: PropertyMap;
  news: PropertyMap;
  oldInputs?: PropertyMap;
  ignoreChanges?: string[];
}

/** Fill the fields DiffRequest and UpdateRequest share. */
function setChange<R extends provproto.DiffRequest | provproto.UpdateRequest>(req: R, args: ChangeArgs): R {
  setIdentity(req, args.urn);
  req.setId(args.id);
  req.setOlds(toStruct(args.olds));
  req.setNews(toStruct(args.news));
  if (args.oldInputs) req.setOldInputs(toStruct(args.oldInputs));
  req.setIgnorechangesList(args.ignoreChanges ?? []);
  return req;
}

/** Fill the fields ReadRequest and DeleteRequest share: the resource and its stored outputs. */
function setStored<R extends provproto.ReadRequest | provproto.DeleteRequest>(req: R, args: { urn: string; id: string; properties: PropertyMap }): R {
  setIdentity(req, args.urn);
  req.setId(args.id);
  req.setProperties(toStruct(args.properties));
  return req;
}

function setIdentity(
  req: { setUrn(v: string): unknown; setName(v: string): unknown; setType(v: string): unknown },
  urn: string,
): void {
  req.setUrn(urn);
  const parsed = parseUrn(urn);
  if (parsed) {
    req.setName(parsed.name);
    req.setType(parsed.type);
  }
}

/**
 * Serializes a dynamic provider object exactly as `pulumi.dynamic.Resource` does (closure-serializing
 * `() => provider` with `allowSecrets: true`), giving the string the resource stores as `__provider`.
 */
export async function serializeDynamicProvider(provider: object): Promise<string> {
  // Why lazy: loading the closure serializer costs a few hundred ms and only tests need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when needed
  const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure") as typeof import("@pulumi/pulumi/runtime/closure/serializeClosure");
  const sf = await sc.serializeFunction(() => provider, { allowSecrets: true });
  return sf.text;
}
