/**
 * Shared gRPC/protobuf plumbing for the lifecycle driver: the Pulumi wire modules, Struct conversion and the
 * unknown sentinel.
 */
import * as grpc from "@grpc/grpc-js";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";

/** A JSON-like property bag as it travels in a `google.protobuf.Struct`. */
export type PropertyMap = Record<string, unknown>;

/** The value the Pulumi runtime sends (and expects) for a value not known until apply time (previews). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The inputs key under which `pulumi.dynamic.Resource` stores its serialized provider. */
export const PROVIDER_KEY = "__provider";

/** Re-exported so the driver and its tests use the same `@grpc/grpc-js` instance as the Pulumi wire stubs. */
export { grpc };

/** Deep copy that drops `undefined` (a Struct cannot carry it) and anything else JSON cannot represent. */
export function plain<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Converts a plain object to a protobuf Struct. */
export function toStruct(value: PropertyMap | undefined): structproto.Struct {
  return structproto.Struct.fromJavaScript(plain(value ?? {}) as Record<string, structproto.JavaScriptValue>);
}

/** Converts a protobuf Struct (possibly absent) to a plain object. */
export function fromStruct(value: structproto.Struct | undefined): PropertyMap {
  return value ? (value.toJavaScript() as PropertyMap) : {};
}

/** True when the value (or anything nested in it) is the unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** A gRPC error as surfaced by `@grpc/grpc-js` clients. */
export interface GrpcError extends Error {
  code?: number;
  details?: string;
  metadata?: grpc.Metadata;
}

/** Builds a server-side gRPC error object with a message (what a handler passes to its callback). */
export function serverError(message: string, code: grpc.status = grpc.status.UNKNOWN): grpc.ServiceError {
  const err = new Error(message) as grpc.ServiceError;
  err.code = code;
  err.details = message;
  err.metadata = new grpc.Metadata();
  return err;
}
