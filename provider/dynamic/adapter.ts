import type * as pulumi from "@pulumi/pulumi";
import type { ResourceContext, ResourceHandler } from "../resources/common/handler";
import { PartialCreateError, resourceError } from "../resources/common/handler";
import { resolveName } from "../resources/common/naming";

/** How a kind names its physical object when the user gives no name. */
export interface AutoNaming {
  /** Maximum length of the generated name. */
  maxLength: number;
}

/** Properties the adapter keeps in state for itself. */
const AUTO_NAMED = "__autoNamed";
/** The SDK's `project/stack/name` of the resource: an ownership label for host objects. */
const OWNER = "__owner";

/** The owner label the SDK passed, if it is one we can write anywhere (a short printable string). */
function ownerOf(props: Record<string, unknown>): string | undefined {
  const o = props[OWNER];
  return typeof o === "string" && o.length <= 200 && /^[\x21-\x7e]+$/.test(o) ? o : undefined;
}

function nameOf(props: Record<string, unknown>, id?: string): string {
  return typeof props.name === "string" ? props.name : (id ?? "?");
}

/**
 * Serve a ResourceHandler as a Pulumi dynamic ResourceProvider. The only module that knows the
 * dynamic-provider calling convention: a native provider plugin would adapt the same handlers.
 */
export function toDynamicProvider<I, O>(
  handler: ResourceHandler<I, O>,
  ctx: ResourceContext,
  naming?: AutoNaming,
): pulumi.dynamic.ResourceProvider {
  return {
    async check(olds: Record<string, unknown>, news: Record<string, unknown>) {
      olds = olds ?? {};
      let input = news;
      let autoNamed = false;
      if (naming && news.name === undefined) {
        input = { ...news, name: resolveName(news, olds, naming.maxLength) };
        autoNamed = true;
      }
      const r = handler.check(olds, input);
      const inputs = { ...(r.inputs as Record<string, unknown>) };
      if (autoNamed) inputs[AUTO_NAMED] = true;
      if (ownerOf(news)) inputs[OWNER] = ownerOf(news);
      return { inputs, failures: r.failures };
    },

    async diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
      const d = handler.diff(id, olds as O, news as I);
      return {
        changes: d.changes,
        replaces: d.replaces,
        deleteBeforeReplace: d.deleteBeforeReplace,
      };
    },

    async create(inputs: Record<string, unknown>) {
      try {
        const { id, outs } = await handler.create(inputs as I, { ...ctx, owner: ownerOf(inputs) });
        return { id, outs: withMarker(outs, inputs) };
      } catch (e) {
        throw wrap(handler.kind, nameOf(inputs), "create", e, inputs);
      }
    },

    async read(id: string, props: Record<string, unknown>) {
      try {
        const r = await handler.read(id, props as O, { ...ctx, owner: ownerOf(props) });
        if (!r) return {};
        return { id: r.id, props: withMarker(r.outs, props) };
      } catch (e) {
        throw wrap(handler.kind, nameOf(props, id), "read", e);
      }
    },

    async update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
      try {
        const outs = await handler.update(id, olds as O, news as I, { ...ctx, owner: ownerOf(news) });
        return { outs: withMarker(outs, news) };
      } catch (e) {
        throw wrap(handler.kind, nameOf(news, id), "update", e);
      }
    },

    async delete(id: string, props: Record<string, unknown>) {
      try {
        await handler.delete(id, props as O, { ...ctx, owner: ownerOf(props) });
      } catch (e) {
        throw wrap(handler.kind, nameOf(props, id), "delete", e);
      }
    },
  };
}

function withMarker<O>(outs: O, from: Record<string, unknown>): Record<string, unknown> {
  const o = { ...(outs as Record<string, unknown>) };
  if (from[AUTO_NAMED] === true) o[AUTO_NAMED] = true;
  if (ownerOf(from)) o[OWNER] = ownerOf(from);
  // Drop undefined: protobuf Structs cannot carry it.
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** Name the resource and action in the message; keep a partial create's id/properties so Pulumi records it. */
function wrap(kind: string, name: string, action: string, e: unknown, inputs?: Record<string, unknown>): Error {
  const err = resourceError(kind, name, action, e) as Error & { id?: string; properties?: unknown; reasons?: string[] };
  if (e instanceof PartialCreateError) {
    err.id = e.id;
    err.properties = withMarker(e.properties, inputs ?? {});
    err.reasons = e.reasons;
  }
  return err;
}
