import { dropClaim, readClaim, writeClaim } from "../files/claims";
import type { HostFiles } from "../files/types";
import { formatHostFwdKey, type Fwd } from "./hostfwd";
import type { VmPaths } from "./vm-paths";

/**
 * Which resource added a forward. QEMU's forwards carry no label, so a create killed after `hostfwd_add` would leave a
 * forward nobody can tell from a foreign one; its claim, written in the VM's private state dir before the add, can.
 * The claims go with the state dir when the VM is restarted (and its forwards with QEMU).
 */
const claimPath = (paths: VmPaths, netdev: string, fwd: Pick<Fwd, "protocol" | "hostAddress" | "hostPort">) =>
  `${paths.dir}/forwards/${netdev}_${formatHostFwdKey(fwd).replace(/:/g, "_")}`;

/** Record that `owner` adds this forward (before `hostfwd_add`). */
export async function claimForward(files: HostFiles, paths: VmPaths, netdev: string, fwd: Fwd, owner: string): Promise<void> {
  await writeClaim(files, claimPath(paths, netdev, fwd), { owner });
}

/** Who claimed this forward, if anyone. */
export async function forwardClaim(files: HostFiles, paths: VmPaths, netdev: string, fwd: Fwd): Promise<string | undefined> {
  return (await readClaim<{ owner: string }>(files, claimPath(paths, netdev, fwd)))?.owner;
}

/** Drop a claim (the forward is removed, moved, or was never added); already gone is fine. */
export async function releaseForward(files: HostFiles, paths: VmPaths, netdev: string, fwd: Fwd): Promise<void> {
  await dropClaim(files, claimPath(paths, netdev, fwd));
}
