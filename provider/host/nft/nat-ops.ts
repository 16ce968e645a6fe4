import type { Host } from "../host";
import { isFailure } from "../runner/command-error";
import { NAT_TABLE_PREFIX, type NatTable } from "./nat-model";
import { parseNatTable, parseTableComment, parseTableNames } from "./nat-parse";
import { renderNatTable, renderNatTableDelete } from "./nat-render";

/** Bound on one nft or sysctl run: they touch only the kernel, so a longer run is a hung host. */
export const NFT_TIMEOUT_MS = 15_000;
const IP_FORWARD = "net.ipv4.ip_forward";

/** The table as our model, or undefined when the namespace has no such table. */
export async function readNatTable(host: Host, tableName: string): Promise<NatTable | undefined> {
  try {
    const r = await host.exec(["nft", "-j", "list", "table", "ip", tableName], { timeoutMs: NFT_TIMEOUT_MS });
    return parseNatTable(r.stdout, tableName);
  } catch (e) {
    if (isFailure(e, "not-found") && /no such file or directory/i.test(e.stderr) && !/cannot open network namespace/i.test(e.stderr)) return undefined;
    throw e;
  }
}

/** The table's `comment`, or undefined (none, or no such table). */
export async function readNatTableComment(host: Host, tableName: string): Promise<string | undefined> {
  try {
    return parseTableComment((await host.exec(["nft", "list", "table", "ip", tableName], { timeoutMs: NFT_TIMEOUT_MS })).stdout);
  } catch (e) {
    if (isFailure(e, "not-found") && !/cannot open network namespace/i.test(e.stderr)) return undefined;
    throw e;
  }
}

/** Replace the table with `table` in one atomic transaction (`nft -f -`). */
export async function applyNatTable(host: Host, tableName: string, comment: string | undefined, table: NatTable): Promise<void> {
  await host.exec(["nft", "-f", "-"], { input: renderNatTable(tableName, comment, table), timeoutMs: NFT_TIMEOUT_MS });
}

/** Remove the table; already gone is success. */
export async function deleteNatTable(host: Host, tableName: string): Promise<void> {
  try {
    await host.exec(["nft", "-f", "-"], { input: renderNatTableDelete(tableName), timeoutMs: NFT_TIMEOUT_MS });
  } catch (e) {
    if (isFailure(e, "not-found") && !/cannot open network namespace/i.test(e.stderr)) return;
    throw e;
  }
}

/** Every NetworkNat table (family ip, our prefix) in the namespace. */
export async function listNatTables(host: Host): Promise<string[]> {
  const r = await host.exec(["nft", "-j", "list", "tables", "ip"], { timeoutMs: NFT_TIMEOUT_MS });
  return parseTableNames(r.stdout).filter((n) => n.startsWith(NAT_TABLE_PREFIX));
}

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

/** True when the failure says the namespace itself is gone (`ip netns exec` could not enter it). */
export function isNamespaceGone(e: unknown): boolean {
  return isFailure(e, "not-found") && /cannot open network namespace/i.test(e.stderr);
}
