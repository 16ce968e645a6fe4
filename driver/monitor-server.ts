/**
 * A gRPC server implementing `pulumirpc.ResourceMonitor` and `pulumirpc.Engine`: the two services a Pulumi
 * program run by `cmd/run` talks to. It decodes requests into plain objects and leaves decisions to handlers.
 */
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { fromStruct, grpc, PropertyMap, serverError, toStruct } from "./rpc";
import { filterSecretsOf } from "./secrets";
import type { LogSeverity } from "./types";
import { messageOf } from "../provider/host/runner/message-of";

/** Severity of an `Engine.Log` message. */
export type { LogSeverity };

/** A decoded `RegisterResource` request. */
export interface RegisterResourceRequest {
  type: string;
  name: string;
  /** Parent URN ("" for none). */
  parent: string;
  /** True for custom (provider-backed) resources, false for components and the root stack. */
  custom: boolean;
  /** The input properties (dynamic resources carry `__provider`). */
  object: PropertyMap;
  protect: boolean | undefined;
  /** All dependency URNs (`dependsOn` plus every property dependency), as the SDK sends them. */
  dependencies: string[];
  /** Property name → URNs the property's value came from. */
  propertyDependencies: Record<string, string[]>;
  /** `undefined` when the program did not set the option. */
  deleteBeforeReplace: boolean | undefined;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  retainOnDelete: boolean | undefined;
  /** Provider reference (`URN::ID`) for explicit providers; empty for dynamic resources. */
  provider: string;
  aliasUrns: string[];
  importId: string;
  deletedWith: string;
  /** Output names to record and return as secrets (the `additionalSecretOutputs` option). */
  additionalSecretOutputs: string[];
}

/** What the handler answers a registration with. */
export interface RegisterResourceReply {
  urn: string;
  /** Empty/undefined for components and for resources not yet created (preview). */
  id?: string;
  /** Output properties; in a preview, missing outputs become unknown in the program. */
  object: PropertyMap;
}

/** The decisions behind the server. */
export interface MonitorHandlers {
  /** Handles one registration; a rejection is returned to the program as a gRPC error with its message. */
  registerResource(req: RegisterResourceRequest): Promise<RegisterResourceReply>;
  /** Records the outputs a component (or the root stack) registers after construction. */
  registerResourceOutputs(urn: string, outputs: PropertyMap): Promise<void> | void;
  /** Receives `Engine.Log` messages (the program's `pulumi.log.*` and its error reports). */
  log(severity: LogSeverity, message: string, urn: string): void;
}

const SEVERITIES: Record<number, LogSeverity> = {
  [engproto.LogSeverity.DEBUG]: "debug",
  [engproto.LogSeverity.INFO]: "info",
  [engproto.LogSeverity.WARNING]: "warning",
  [engproto.LogSeverity.ERROR]: "error",
};

function decodeRegister(req: resproto.RegisterResourceRequest): RegisterResourceRequest {
  const propertyDependencies: Record<string, string[]> = {};
  for (const [key, deps] of req.getPropertydependenciesMap().entries()) {
    propertyDependencies[key] = deps.getUrnsList();
  }
  return {
    type: req.getType(),
    name: req.getName(),
    parent: req.getParent(),
    custom: req.getCustom(),
    object: filterSecretsOf(fromStruct(req.getObject())),
    protect: req.hasProtect() ? req.getProtect() : undefined,
    dependencies: req.getDependenciesList(),
    propertyDependencies,
    deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
    ignoreChanges: req.getIgnorechangesList(),
    replaceOnChanges: req.getReplaceonchangesList(),
    retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
    provider: req.getProvider(),
    aliasUrns: req.getAliasurnsList(),
    importId: req.getImportid(),
    deletedWith: req.getDeletedwith(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
  };
}

/** A running monitor + engine server on 127.0.0.1. */
export class MonitorServer {
  private rootUrn = "";

  private constructor(
    private readonly server: grpc.Server,
    /** `127.0.0.1:PORT`, passed to `cmd/run` as both `--monitor` and `--engine`. */
    readonly address: string,
  ) {}

  /** Starts the server on a free port. */
  static async start(handlers: MonitorHandlers): Promise<MonitorServer> {
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    // eslint-disable-next-line prefer-const -- the handlers above close over it before its one assignment below
    let self: MonitorServer | undefined;

    const monitor: Partial<resrpc.IResourceMonitorServer> = {
      // Why only "secrets": secret values then travel as signature objects (`{ <sig>: <secret sig>, value }`) that the
      // driver keeps marked; no resource references or output values keeps the rest of the wire format plain JSON.
      supportsFeature: (call, cb) => cb(null, new resproto.SupportsFeatureResponse().setHassupport(call.request.getId() === "secrets")),
      registerResource: (call, cb) => {
        let decoded: RegisterResourceRequest;
        try {
          decoded = decodeRegister(call.request);
        } catch (err) {
          cb(serverError(`bad RegisterResource request: ${messageOf(err)}`));
          return;
        }
        handlers.registerResource(decoded).then(
          (reply) => {
            const res = new resproto.RegisterResourceResponse();
            res.setUrn(reply.urn);
            res.setId(reply.id ?? "");
            res.setObject(toStruct(reply.object));
            res.setResult(resproto.Result.SUCCESS);
            cb(null, res);
          },
          (err: unknown) => cb(serverError(messageOf(err))),
        );
      },
      registerResourceOutputs: (call, cb) => {
        Promise.resolve()
          .then(() => handlers.registerResourceOutputs(call.request.getUrn(), filterSecretsOf(fromStruct(call.request.getOutputs()))))
          .then(
            () => cb(null, new emptyproto.Empty()),
            (err: unknown) => cb(serverError(messageOf(err))),
          );
      },
      readResource: (call, cb) =>
        cb(
          serverError(
            `reading existing resources (${call.request.getType()} '${call.request.getName()}', e.g. Resource.get or ` +
              `StackReference) is not supported by the lifecycle driver`,
            grpc.status.UNIMPLEMENTED,
          ),
        ),
      invoke: (call, cb) =>
        cb(serverError(`invoke of '${call.request.getTok()}' is not supported by the lifecycle driver`, grpc.status.UNIMPLEMENTED)),
      call: (call, cb) =>
        cb(serverError(`call of '${call.request.getTok()}' is not supported by the lifecycle driver`, grpc.status.UNIMPLEMENTED)),
      signalAndWaitForShutdown: (_call, cb) => cb(null, new emptyproto.Empty()),
    };

    const engine: Partial<engrpc.IEngineServer> = {
      log: (call, cb) => {
        const req = call.request;
        handlers.log(SEVERITIES[req.getSeverity()] ?? "info", req.getMessage(), req.getUrn());
        cb(null, new emptyproto.Empty());
      },
      getRootResource: (_call, cb) => cb(null, new engproto.GetRootResourceResponse().setUrn(self?.rootUrn ?? "")),
      setRootResource: (call, cb) => {
        if (self) self.rootUrn = call.request.getUrn();
        cb(null, new engproto.SetRootResourceResponse());
      },
      requirePulumiVersion: (_call, cb) => cb(null, new engproto.RequirePulumiVersionResponse()),
    };

    server.addService(resrpc.ResourceMonitorService, monitor as resrpc.IResourceMonitorServer);
    server.addService(engrpc.EngineService, engine as engrpc.IEngineServer);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    self = new MonitorServer(server, `127.0.0.1:${port}`);
    return self;
  }

  /** The URN the program registered as its root (the stack), if any. */
  get rootResourceUrn(): string {
    return this.rootUrn;
  }

  /** Stops the server (pending calls are cancelled after a short grace period). */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
