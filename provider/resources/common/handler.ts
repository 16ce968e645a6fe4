import type { HostRegistry } from "../../host/host-registry";
import { messageOf } from "../../host/runner/message-of";

/** A check failure: property path and a reason a person can act on. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Result of check: normalized inputs (defaults applied) or failures. */
export interface CheckResult<I> {
  inputs: I;
  failures: CheckFailure[];
}

/** Result of diff; `replaces` lists the properties forcing replacement. */
export interface DiffResult {
  changes: boolean;
  /** Properties changed in place by update. */
  updates: string[];
  /** Properties whose change forces replacement. */
  replaces: string[];
  /** Delete the old object before creating the new one (its host-global name would clash). */
  deleteBeforeReplace: boolean;
}

/** What lifecycle calls get from the provider: where to find hosts. */
export interface ResourceContext {
  hosts: HostRegistry;
  /**
   * Who declares the resource (`project/stack/name`), when the SDK said: written as an ownership label on host
   * objects that can carry one, so a create interrupted before Pulumi recorded it is recognised as ours next time.
   */
  owner?: string;
}

/**
 * A resource kind's logic, independent of how it is served (dynamic provider today, a native
 * provider plugin later). `O` is the full state: inputs as observed plus outputs.
 */
export interface ResourceHandler<I, O> {
  readonly kind: string;
  /** Validate and normalize inputs; no host access. `olds` are the previous inputs (for stable auto-names). */
  check(olds: Record<string, unknown>, news: Record<string, unknown>): CheckResult<I>;
  /** Pure: compare recorded state with new inputs. */
  diff(id: string, olds: O, news: I): DiffResult;
  create(inputs: I, ctx: ResourceContext): Promise<{ id: string; outs: O }>;
  /** The host's real state, or undefined when the object is gone. */
  read(id: string, olds: O, ctx: ResourceContext): Promise<{ id: string; outs: O } | undefined>;
  update(id: string, olds: O, news: I, ctx: ResourceContext): Promise<O>;
  /** Idempotent: already gone is success. */
  delete(id: string, olds: O, ctx: ResourceContext): Promise<void>;
}

/** Thrown by create when the object exists but could not be fully set up; Pulumi records it so the next up can repair it. */
export class PartialCreateError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[] = [message],
  ) {
    super(message);
    this.name = "PartialCreateError";
  }
}

/**
 * The one error format for a resource: `Kind "name": action failed: message`, the original kept as cause. An error
 * that already names its resource (thrown by a lifecycle with more detail) is not named twice.
 */
export function resourceError(kind: string, name: string, action: string, e: unknown): Error {
  const msg = messageOf(e);
  return new Error(msg.startsWith(`${kind} "`) ? msg : `${kind} "${name}": ${action} failed: ${msg}`, { cause: e });
}
