import type { Host } from "../host";
import { isFailure, type CommandError } from "../runner/command-error";
import { NAT_TABLE_PREFIX, type NatTable } from "./nat-model";
import { parseNatTable, parseTableHeader, parseTableNames } from "./nat-parse";
import { renderNatTable, renderNatTableDelete } from "./nat-render";

/** Bound on one nft or sysctl run: they touch only the kernel, so a longer run is a hung host. */
export const NFT_TIMEOUT_MS = 15_000;

/**
 * True when the failure is nft's own "no such table" (`Error: No such file or directory`, after a `/dev/stdin:1:17-30: `
 * position and as `Error: Could not process rule: No such file or directory` for `nft -f`), not a command that never
 * ran (`exec of "nft" failed: No such file or directory` from `ip netns exec`) nor a namespace that is gone. Pure.
 */
export function isTableGone(e: unknown): e is CommandError {
  return (
    isFailure(e, "not-found") &&
    /(^|: )Error: (Could not process rule: )?No such file or directory\b/m.test(e.stderr) &&
    !/exec of .* failed/i.test(e.stderr) &&
    !/cannot open network namespace/i.test(e.stderr)
  );
}

/** `nft list table` text (it carries the comment and flags that -j gets wrong), or undefined when there is no such table. */
async function listTableText(host: Host, tableName: string): Promise<string | undefined> {
  try {
    return (await host.exec(["nft", "list", "table", "ip", tableName], { timeoutMs: NFT_TIMEOUT_MS })).stdout;
  } catch (e) {
    if (isTableGone(e)) return undefined;
    throw e;
  }
}

/** The table as our model, or undefined when the namespace has no such table. */
export async function readNatTable(host: Host, tableName: string): Promise<NatTable | undefined> {
  let json: string;
  try {
    json = (await host.exec(["nft", "-j", "list", "table", "ip", tableName], { timeoutMs: NFT_TIMEOUT_MS })).stdout;
  } catch (e) {
    if (isTableGone(e)) return undefined;
    throw e;
  }
  const table = parseNatTable(json, tableName);
  // Why the text listing only then: nft 1.0.6's JSON shows that flags are set but not which; one process otherwise.
  if (table.flags.length === 0) return table;
  const text = await listTableText(host, tableName);
  return text === undefined ? undefined : parseNatTable(json, tableName, parseTableHeader(text));
}

/** The table's `comment`, or undefined (none, or no such table). */
export async function readNatTableComment(host: Host, tableName: string): Promise<string | undefined> {
  const text = await listTableText(host, tableName);
  return text === undefined ? undefined : parseTableHeader(text).comment;
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
    if (isTableGone(e)) return;
    throw e;
  }
}

/** Every NetworkNat table (family ip, our prefix) in the namespace. */
export async function listNatTables(host: Host): Promise<string[]> {
  const r = await host.exec(["nft", "-j", "list", "tables", "ip"], { timeoutMs: NFT_TIMEOUT_MS });
  return parseTableNames(r.stdout).filter((n) => n.startsWith(NAT_TABLE_PREFIX));
}

/** True when the failure says the namespace itself is gone (`ip netns exec` could not enter it). */
export function isNamespaceGone(e: unknown): boolean {
  return isFailure(e, "not-found") && /cannot open network namespace/i.test(e.stderr);
}
