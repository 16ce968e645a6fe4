import type { HostFiles } from "../files/types";
import { RUN_DIR } from "../netns/netns-claims";

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
export async function claimPort<M>(files: HostFiles, netns: string | undefined, port: string, claim: PortClaim<M>): Promise<void> {
  await files.ensureDir(`${RUN_DIR}/port-claims/${netns ?? "-"}`, 0o700);
  await files.writeTextAtomic(claimPath(netns, port), JSON.stringify(claim), { mode: 0o600 });
}

/** The claim on a port, if any (unreadable or corrupt: none). */
export async function portClaim<M>(files: HostFiles, netns: string | undefined, port: string): Promise<PortClaim<M> | undefined> {
  const text = await files.readText(claimPath(netns, port), { noFollow: true }).catch(() => undefined);
  try {
    return text ? (JSON.parse(text) as PortClaim<M>) : undefined;
  } catch {
    return undefined;
  }
}

/** Drop the claim (the attach is recorded by Pulumi, or was undone); already gone is fine. */
export async function releasePort(files: HostFiles, netns: string | undefined, port: string): Promise<void> {
  await files.remove(claimPath(netns, port));
}
