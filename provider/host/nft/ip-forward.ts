import { dropClaim, readClaim, RUN_DIR, writeClaim } from "../files/claims";
import type { Host } from "../host";
import { listNatTables, NFT_TIMEOUT_MS } from "./nat-ops";

const IP_FORWARD = "net.ipv4.ip_forward";

/**
 * The claim a NetworkNat writes before it turns ip_forward on in a namespace (`-`: the root namespace). On tmpfs,
 * like the sysctl itself: both reset at reboot. Why a claim and not each NAT's own record: NATs come and go in any
 * order (a replace creates before it deletes), and the one that turned forwarding on is often not the last to go.
 */
export const ipForwardClaimPath = (netns: string | undefined): string => `${RUN_DIR}/ip-forward/${netns ?? "-"}`;

/** `net.ipv4.ip_forward` of the namespace (/proc/sys/net is per namespace: read from inside it). */
export async function readIpForward(host: Host): Promise<boolean> {
  const out = (await host.exec(["sysctl", "-n", IP_FORWARD], { timeoutMs: NFT_TIMEOUT_MS })).stdout.trim();
  if (out !== "0" && out !== "1") throw new Error(`sysctl -n ${IP_FORWARD} printed ${JSON.stringify(out)}, not 0 or 1`);
  return out === "1";
}

/** Set `net.ipv4.ip_forward` in the namespace and re-read it: fails when the kernel does not keep the value. */
export async function setIpForward(host: Host, on: boolean): Promise<void> {
  await host.exec(["sysctl", "-w", `${IP_FORWARD}=${on ? 1 : 0}`], { timeoutMs: NFT_TIMEOUT_MS });
  if ((await readIpForward(host)) !== on) throw new Error(`${IP_FORWARD} did not stay ${on ? 1 : 0} after sysctl -w`);
}

/**
 * Turn ip_forward on when it is off, claiming it first (so a failure after the sysctl still knows to undo it).
 * `onClaimed` runs once the claim is written. True when this call found it off.
 */
export async function turnOnIpForward(host: Host, onClaimed: () => void = () => {}): Promise<boolean> {
  if (await readIpForward(host)) return false;
  await writeClaim(host.files, ipForwardClaimPath(host.netns), { by: "NetworkNat" });
  onClaimed();
  await setIpForward(host, true);
  return true;
}

/**
 * After a NetworkNat table is gone: when no `qemu_lab_nat_` table remains in the namespace and a NetworkNat turned
 * forwarding on (the claim), turn it off and drop the claim. Forwarding found on by every NAT is never touched.
 */
export async function releaseIpForward(host: Host): Promise<void> {
  if ((await listNatTables(host)).length > 0) return;
  const path = ipForwardClaimPath(host.netns);
  if ((await readClaim(host.files, path)) === undefined) return;
  await setIpForward(host, false);
  await dropIpForwardClaim(host);
}

/** Drop the namespace's claim without touching the sysctl (the namespace is gone, and its forwarding with it). */
export function dropIpForwardClaim(host: Host): Promise<void> {
  return dropClaim(host.files, ipForwardClaimPath(host.netns));
}
