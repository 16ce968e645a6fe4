import type * as pulumi from "@pulumi/pulumi";
import { toDynamicProvider } from "../../dynamic/adapter";
import type { ResourceContext } from "../common/handler";
import { networkNamespaceHandler } from "./lifecycle";

/** The dynamic provider for NetworkNamespace. */
export function makeProvider(ctx: ResourceContext): pulumi.dynamic.ResourceProvider {
  return toDynamicProvider(networkNamespaceHandler, ctx, { maxLength: 40 });
}
