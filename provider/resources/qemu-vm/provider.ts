import type * as pulumi from "@pulumi/pulumi";
import { toDynamicProvider } from "../../dynamic/adapter";
import type { ResourceContext } from "../common/handler";
import { qemuVmHandler } from "./lifecycle";

/** The dynamic provider for QemuVm; auto-names fit the 63-character VM name limit. */
export function makeProvider(ctx: ResourceContext): pulumi.dynamic.ResourceProvider {
  return toDynamicProvider(qemuVmHandler, ctx, { maxLength: 40 });
}
