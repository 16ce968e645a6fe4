/**
 * The JSON shapes of a Pulumi checkpoint deployment, version 3 — what `pulumi stack export` prints and
 * `pulumi stack import` reads — as far as the lifecycle driver uses them. Field names and `omitempty` rules are those
 * of sdk/go/common/apitype/core.go in Pulumi v3.248.0 (line numbers cited per type).
 */

/** `apitype.UntypedDeployment` (core.go:380-391): the envelope `pulumi stack export` prints. */
export interface UntypedDeploymentV3 {
  version: 3;
  deployment: DeploymentV3;
}

/** `apitype.DeploymentV3` (core.go:156-172). */
export interface DeploymentV3 {
  manifest: ManifestV1;
  secrets_providers?: SecretsProvidersV1;
  resources?: ResourceV3[];
  pending_operations?: OperationV2[];
  metadata?: Record<string, unknown>;
}

/** `apitype.ManifestV1` (core.go:568-577); `magic` is the hex SHA-256 of `version` (pkg/resource/deploy/manifest.go:84-89). */
export interface ManifestV1 {
  time: string;
  magic: string;
  version: string;
  plugins?: { name: string; path?: string; type: string; version?: string }[];
}

/** `apitype.SecretsProvidersV1` (core.go:279-282); for `passphrase` the state is `{ salt }` (pkg/secrets/passphrase/manager.go:91-93). */
export interface SecretsProvidersV1 {
  type: string;
  state?: { salt?: string } & Record<string, unknown>;
}

/** `apitype.OperationType` (core.go:346-357). */
export type OperationType = "creating" | "updating" | "deleting" | "reading";

/** `apitype.OperationV2` (core.go:372-377): a step the engine had started when the checkpoint was written. */
export interface OperationV2 {
  resource: ResourceV3;
  type: OperationType;
}

/**
 * `apitype.ResourceV3` (core.go:487-559), the fields the driver maps; the others (taint, external, aliases,
 * sourcePosition, stackTrace, …) are kept in the type as optional so that reading them is explicit.
 */
export interface ResourceV3 {
  urn: string;
  custom: boolean;
  delete?: boolean;
  id?: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  protect?: boolean;
  taint?: boolean;
  external?: boolean;
  dependencies?: string[];
  initErrors?: string[];
  /** A provider reference: `<provider URN>::<provider ID>` (sdk/go/common/providers/reference.go:95-99, :147). */
  provider?: string;
  propertyDependencies?: Record<string, string[]>;
  pendingReplacement?: boolean;
  retainOnDelete?: boolean;
  created?: string;
  modified?: string;
  ignoreChanges?: string[];
  [other: string]: unknown;
}
