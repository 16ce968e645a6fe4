import type * as pulumi from "@pulumi/pulumi";
import { toDynamicProvider } from "../../dynamic/adapter";
import type { ResourceContext } from "../common/handler";
import { physicalPortAttachmentHandler } from "./lifecycle";

/** The dynamic provider for PhysicalPortAttachment (no auto-naming: the port names the object). */
export function makeProvider(ctx: ResourceContext): pulumi.dynamic.ResourceProvider {
  return toDynamicProvider(physicalPortAttachmentHandler, ctx);
}
