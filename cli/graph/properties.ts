/**
 * A resource's properties as the graph shows them: outputs (what the host has) over inputs, the engine's own keys
 * left out, every secret replaced by `[secret]`. Pure.
 */
import { hasSecretSig } from "../../driver/checkpoint/secret-signature";
import { UNKNOWN } from "../../provider/resources/common/unknown";
import type { ResourceState } from "../../driver/types";

/** What a secret value shows as, wherever it is. */
export const SECRET_TEXT = "[secret]";

/** What a value not known until apply time (a preview's sentinel) shows as. */
export const UNKNOWN_TEXT = "[unknown]";

/** A JSON-like value with every secret (in any of its forms: value, ciphertext, plaintext) replaced. Pure. */
export function redactSecrets(value: unknown): unknown {
  if (hasSecretSig(value)) return SECRET_TEXT;
  if (value === UNKNOWN) return UNKNOWN_TEXT;
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
  }
  return value;
}

/**
 * Outputs over inputs, key by key (an output absent or null falls back to the input), without the keys the engine
 * and SDK add (`__provider`, `__resourceName`, `__owner`, …), secrets redacted. Pure.
 */
export function displayProperties(r: Pick<ResourceState, "inputs" | "outputs">): Record<string, unknown> {
  const inputs = asRecord(r.inputs);
  const outputs = asRecord(r.outputs);
  const keys = [...new Set([...Object.keys(outputs), ...Object.keys(inputs)])].filter((k) => !k.startsWith("__")).sort();
  return Object.fromEntries(keys.map((k) => [k, redactSecrets(outputs[k] ?? inputs[k])]));
}

/** The value when it is a plain object, else an empty one (state files are read, not trusted). Pure. */
export function asRecord(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The value when it is a string, else undefined. Pure. */
export function asString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** The value when it is an array, else an empty one. Pure. */
export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A scalar as label text (strings as they are, numbers and booleans printed), else undefined. Pure. */
export function asText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}
