import { dropClaim, readClaim, RUN_DIR, writeClaim } from "../files/claims";
import type { HostFiles } from "../files/types";

/** What a port attach records before it acts: who, which bridge, and what it is about to move there. */
export interface PortClaim<Moved> {
  owner: string;
  bridge: string;
  moved: Moved;
}

const claimPath = (netns: string | undefined, port: string) => `${RUN_DIR}/port-claims/${netns ?? "-"}/${port}`;

/**
 * Record an attach about to happen. Why: an enslaved port shows nothing of who enslaved it or what moved with it, so
 * a create killed part-way would be read as "already attached by someone" and its addresses never given back.
 */
export function claimPort<M>(files: HostFiles, netns: string | undefined, port: string, claim: PortClaim<M>): Promise<void> {
  return writeClaim(files, claimPath(netns, port), claim);
}

/** The claim on a port, if any. */
export function portClaim<M>(files: HostFiles, netns: string | undefined, port: string): Promise<PortClaim<M> | undefined> {
  return readClaim<PortClaim<M>>(files, claimPath(netns, port));
}

/** Drop the claim (the attach is recorded by Pulumi, or was undone). */
export function releasePort(files: HostFiles, netns: string | undefined, port: string): Promise<void> {
  return dropClaim(files, claimPath(netns, port));
}
