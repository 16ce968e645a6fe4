import type * as pulumi from "@pulumi/pulumi";
import { toDynamicProvider } from "../../dynamic/adapter";
import type { ResourceContext } from "../common/handler";
import { portForwardHandler } from "./lifecycle";

/** The dynamic provider for PortForward. */
export function makeProvider(ctx: ResourceContext): pulumi.dynamic.ResourceProvider {
  return toDynamicProvider(portForwardHandler, ctx);
}
