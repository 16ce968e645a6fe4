/**
 * Pulumi checkpoint interoperability: the passphrase secrets manager and the StackState ↔ deployment v3 conversion.
 */
export * from "./apitype";
export * from "./deployment";
export * from "./passphrase";
export * from "./property-value";
export * from "./secret-signature";
