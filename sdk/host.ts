import type * as pulumi from "@pulumi/pulumi";

/** Where a resource lives. Absent: this machine's root network namespace. */
export interface HostArgs {
  /** Network namespace the resource lives in (e.g. a NetworkNamespace's `name` output). */
  netns?: pulumi.Input<string>;
  /** Directory for per-resource runtime state (default `/var/lib/qemu-lab`). */
  stateDir?: pulumi.Input<string>;
}
