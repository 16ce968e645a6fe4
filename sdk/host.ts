import type { HostInputIn } from "../provider/resources/common/host-schema";
import type { ArgsOf } from "./resource-types";

/** Where a resource lives (derived from the provider's host schema). Absent: this machine's root network namespace.
 * @interface
 */
export type HostArgs = ArgsOf<NonNullable<HostInputIn>>;
