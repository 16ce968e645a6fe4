/**
 * The program floor's resource monitor: a gRPC `pulumirpc.ResourceMonitor` + `pulumirpc.Engine` that answers every
 * RegisterResource at once with the inputs as outputs and a fake id — no provider, no host, no state. A program run
 * against it costs only what Pulumi's Node.js runtime costs (module loading, serialization, gRPC).
 */
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { grpc, serverError } from "../../driver/rpc";
import { makeUrn } from "../../driver/urn";

/** A running floor monitor on 127.0.0.1. */
export interface FloorMonitor {
  /** `127.0.0.1:PORT`, for `cmd/run`'s `--monitor` and `--engine`. */
  address: string;
  /** RegisterResource calls answered so far (the root stack included). */
  registrations(): number;
  /** Error-severity `Engine.Log` messages (a failing program reports its error this way). */
  errors(): string[];
  close(): Promise<void>;
}

/** Starts the floor monitor for one stack of one project (the URNs it hands out are the engine's). */
export async function startFloorMonitor(project: string, stack: string): Promise<FloorMonitor> {
  // Same receive limit as the driver's monitor, so a large program is not rejected here and accepted there.
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  let count = 0;
  let rootUrn = "";
  const errors: string[] = [];
  const unsupported: grpc.handleUnaryCall<unknown, never> = (_call, cb) => cb(serverError("not supported by the floor monitor", grpc.status.UNIMPLEMENTED));
  const monitor: Partial<resrpc.IResourceMonitorServer> = {
    // Why only "secrets": the driver's monitor answers the same, so the runtime takes the same code paths.
    supportsFeature: (call, cb) => cb(null, new resproto.SupportsFeatureResponse().setHassupport(call.request.getId() === "secrets")),
    registerResource: (call, cb) => {
      const req = call.request;
      count++;
      const res = new resproto.RegisterResourceResponse();
      res.setUrn(makeUrn(stack, project, req.getType(), req.getName(), req.getParent() || undefined));
      res.setId(req.getCustom() ? `floor-${count}` : "");
      // Why the request's own Struct: no decoding or copying — the answer costs the server nothing.
      const inputs = req.getObject();
      if (req.getCustom() && inputs) res.setObject(inputs);
      res.setResult(resproto.Result.SUCCESS);
      cb(null, res);
    },
    registerResourceOutputs: (_call, cb) => cb(null, new emptyproto.Empty()),
    readResource: unsupported,
    invoke: unsupported,
    call: unsupported,
    signalAndWaitForShutdown: (_call, cb) => cb(null, new emptyproto.Empty()),
  };
  const engine: Partial<engrpc.IEngineServer> = {
    log: (call, cb) => {
      if (call.request.getSeverity() === engproto.LogSeverity.ERROR) errors.push(call.request.getMessage());
      cb(null, new emptyproto.Empty());
    },
    getRootResource: (_call, cb) => cb(null, new engproto.GetRootResourceResponse().setUrn(rootUrn)),
    setRootResource: (call, cb) => {
      rootUrn = call.request.getUrn();
      cb(null, new engproto.SetRootResourceResponse());
    },
    requirePulumiVersion: (_call, cb) => cb(null, new engproto.RequirePulumiVersionResponse()),
  };
  server.addService(resrpc.ResourceMonitorService, monitor as resrpc.IResourceMonitorServer);
  server.addService(engrpc.EngineService, engine as engrpc.IEngineServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    registrations: () => count,
    errors: () => [...errors],
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
