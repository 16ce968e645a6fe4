import type * as pulumi from "@pulumi/pulumi";
import { toDynamicProvider } from "../../dynamic/adapter";
import type { ResourceContext } from "../common/handler";
import { IFNAME_MAX } from "../common/naming";
import { bridgeHandler } from "./lifecycle";

/** The dynamic provider for Bridge; auto-names fit Linux's 15-character interface names. */
export function makeProvider(ctx: ResourceContext): pulumi.dynamic.ResourceProvider {
  return toDynamicProvider(bridgeHandler, ctx, { maxLength: IFNAME_MAX });
}
