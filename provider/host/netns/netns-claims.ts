import { dropClaim, readClaim, RUN_DIR, writeClaim } from "../files/claims";
import type { HostFiles } from "../files/types";

/** Where a namespace create records its claim before `ip netns add`. */
export const NETNS_CLAIMS_DIR = `${RUN_DIR}/netns-claims`;

/** How long after a claim its namespace may have been made for the claim to count (a stale claim never adopts). */
const CLAIM_WINDOW_MS = 60_000;

/** What a claim file holds: who claimed the name, and when. */
export interface NetnsClaim {
  owner: string;
  atMs: number;
}

const claimPath = (name: string) => `${NETNS_CLAIMS_DIR}/${name}`;

/**
 * Record that `owner` is about to create namespace `name`. Why: a namespace has nothing that can carry a mark at
 * creation (its loopback is labelled by a second command), so a create killed in between leaves only this claim.
 */
export async function claimNetns(files: HostFiles, name: string, owner: string, nowMs = Date.now()): Promise<void> {
  await writeClaim(files, claimPath(name), { owner, atMs: nowMs } satisfies NetnsClaim);
}

/** Drop the claim (the namespace is labelled, or the create failed); already gone is fine. */
export async function releaseNetnsClaim(files: HostFiles, name: string): Promise<void> {
  await dropClaim(files, claimPath(name));
}

/**
 * True when namespace `name` was made under `owner`'s claim: the claim names the owner, and the namespace (its
 * /run/netns entry's change time, set when `ip netns add` mounts it) appeared within a minute after the claim.
 */
export async function claimedBy(files: HostFiles, name: string, owner: string): Promise<boolean> {
  const claim = await readClaim<NetnsClaim>(files, claimPath(name));
  if (!claim) return false;
  const made = (await files.stat?.(`/run/netns/${name}`))?.ctimeMs;
  return claim.owner === owner && made !== undefined && made >= Math.floor(claim.atMs / 1000) * 1000 && made <= claim.atMs + CLAIM_WINDOW_MS;
}
