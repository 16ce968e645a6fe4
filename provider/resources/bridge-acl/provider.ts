import type * as pulumi from "@pulumi/pulumi";
import { toDynamicProvider } from "../../dynamic/adapter";
import type { ResourceContext } from "../common/handler";
import { bridgeAclHandler } from "./lifecycle";

/** The dynamic provider for BridgeAcl (auto-names the owner tag written into the marker comment). */
export function makeProvider(ctx: ResourceContext): pulumi.dynamic.ResourceProvider {
  return toDynamicProvider(bridgeAclHandler, ctx, { maxLength: 48 });
}
