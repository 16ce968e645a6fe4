/**
 * Pulumi's signature for secret values: an object whose {@link SIG_KEY} holds {@link SECRET_SIG}. On the wire and
 * in the driver's state it carries the plaintext as `value`; in a checkpoint it carries `ciphertext` (or, when
 * exported with `--show-secrets`, `plaintext`) instead.
 */

// Why typed with Pulumi's own declarations: the compiler then proves these literals equal the SDK's constants
// (@pulumi/pulumi/runtime/rpc.d.ts) without loading the runtime module.
/** The key every special Pulumi value carries (sdk/go/common/resource/sig: `SigKey`). */
export const SIG_KEY: typeof import("@pulumi/pulumi/runtime/rpc").specialSigKey = "4dabf18193072939515e22adb298388d";

/** The signature of a secret (sdk/go/common/resource/sig: `Secret`). */
export const SECRET_SIG: typeof import("@pulumi/pulumi/runtime/rpc").specialSecretSig = "1b47061264138c4ac30d75fd1eb44270";

/** A secret as the driver holds it (the wire format of the Pulumi runtime). */
export interface SecretValue {
  [SIG_KEY]: typeof SECRET_SIG;
  value: unknown;
}

/** True when `v` is an object carrying the secret signature (in any of its forms). */
export function hasSecretSig(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Wraps a plaintext value as a secret. */
export function makeSecret(value: unknown): SecretValue {
  return { [SIG_KEY]: SECRET_SIG, value };
}
