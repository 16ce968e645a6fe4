import type { HostFiles } from "../files/types";
import { includeHostPath } from "./acl-paths";
import { parseHelperFile, type HelperParse, type HelperParseError } from "./helper-parse";
import { memoByText } from "./text-memo";
import { sharedReadText } from "./shared-read";

const parseHelperFileMemo = memoByText(parseHelperFile);
// Rules of one parse placed in a file, built once (a refresh evaluates the same file for every entry).
const placedCache = new WeakMap<HelperParse, Map<string, PlacedRule[]>>();

function placedRules(parsed: HelperParse, file: string): PlacedRule[] {
  let byFile = placedCache.get(parsed);
  if (!byFile) placedCache.set(parsed, (byFile = new Map()));
  let placed = byFile.get(file);
  if (!placed) {
    placed = parsed.rules.filter((r) => r.type !== "include").map((r) => ({ ...r, file }) as PlacedRule);
    byFile.set(file, placed);
  }
  return placed;
}

/** How deep `include` chains are followed (the helper has no limit; a cycle only ends when it runs out of files). */
export const MAX_INCLUDE_DEPTH = 8;

/** An allow/deny rule and where it was read. */
export interface PlacedRule {
  type: "allow" | "deny" | "allow-all" | "deny-all";
  bridge?: string;
  file: string;
  line: number;
}

/** Every rule the helper would load from a file and its includes, plus what stops or bends that. */
export interface CollectedAcl {
  rules: PlacedRule[];
  /** The default file is missing or rejected: the helper refuses every bridge. */
  fatal?: string;
  /** Ignored problems (missing or broken includes, cycles, depth). */
  notes: string[];
}

/** Result of evaluating access for one bridge. */
export interface AccessDecision {
  allowed: boolean;
  /** Rules that allow this bridge / deny it. */
  allowBy: PlacedRule[];
  denyBy: PlacedRule[];
}

/** `allow br0` / `deny all` as written. */
export function describeRule(r: PlacedRule): string {
  const text = r.type === "allow-all" ? "allow all" : r.type === "deny-all" ? "deny all" : `${r.type} ${r.bridge}`;
  return `\`${text}\` (${r.file}:${r.line})`;
}

/**
 * The helper's decision: allowed when some allow rule matches (or `allow all`) and no deny rule
 * matches (or `deny all`). Order does not matter: deny always wins over allow.
 */
export function decideAccess(rules: readonly PlacedRule[], bridge: string): AccessDecision {
  const allowBy = rules.filter((r) => r.type === "allow-all" || (r.type === "allow" && r.bridge === bridge));
  const denyBy = rules.filter((r) => r.type === "deny-all" || (r.type === "deny" && r.bridge === bridge));
  return { allowed: allowBy.length > 0 && denyBy.length === 0, allowBy, denyBy };
}

function errorText(file: string, e: HelperParseError): string {
  return `${file}:${e.line}: ${e.message}`;
}

/** Load rules the way the helper does, following includes (cycles skipped, depth bounded). `preloaded`: the file's text, already read. */
export async function collectAcl(files: HostFiles, confPath: string, preloaded?: string): Promise<CollectedAcl> {
  const notes: string[] = [];
  const rules: PlacedRule[] = [];
  const text = preloaded ?? (await sharedReadText(files, confPath));
  if (text === undefined)
    return { rules, notes, fatal: `${confPath} does not exist (qemu-bridge-helper fails: "failed to parse default acl file")` };

  // Each file is loaded once: a file included from many places (a diamond, or 1,000 includes of one file) cannot make
  // the walk exponential; its rules count once, which changes no verdict (allow and deny are sets).
  const visited = new Set<string>([confPath]);
  const walk = async (file: string, body: string, stack: string[]): Promise<HelperParseError | undefined> => {
    const parsed = parseHelperFileMemo(body);
    if (!parsed.rules.some((r) => r.type === "include")) {
      rules.push(...placedRules(parsed, file));
      return parsed.error;
    }
    for (const r of parsed.rules) {
      if (r.type !== "include") {
        rules.push({ ...r, file } as PlacedRule);
        continue;
      }
      const target = includeHostPath(r.path, confPath);
      if (target === undefined) notes.push(`${file}:${r.line}: relative include "${r.path}" depends on the helper's working directory; not followed`);
      else if (stack.includes(target)) notes.push(`${file}:${r.line}: include cycle through ${target}; its rules are already counted`);
      else if (stack.length > MAX_INCLUDE_DEPTH) notes.push(`${file}:${r.line}: includes nested deeper than ${MAX_INCLUDE_DEPTH}; not followed`);
      else if (visited.has(target)) continue; // already loaded through another include: its rules are counted
      else {
        visited.add(target);
        const inc = await sharedReadText(files, target);
        if (inc === undefined) notes.push(`${file}:${r.line}: included ${target} does not exist (the helper ignores it)`);
        else {
          const err = await walk(target, inc, [...stack, target]);
          if (err) notes.push(`${errorText(target, err)} (the helper ignores the rest of that included file)`);
        }
      }
    }
    return parsed.error;
  };

  const err = await walk(confPath, text, [confPath]);
  if (err) return { rules, notes, fatal: `qemu-bridge-helper rejects ${confPath}: ${errorText(confPath, err)}` };
  return { rules, notes };
}

/** Explain a decision in one sentence a person can act on. */
export function explainAccess(acl: CollectedAcl, d: AccessDecision, bridge: string, confPath: string): string {
  const notes = acl.notes.length ? `; notes: ${acl.notes.join("; ")}` : "";
  if (acl.fatal) return `denied: ${acl.fatal}${notes}`;
  if (d.denyBy.length)
    return `denied: ${d.denyBy.map(describeRule).join(", ")} ${d.denyBy.length > 1 ? "deny" : "denies"} "${bridge}" (deny wins over allow)${notes}`;
  if (!d.allowBy.length) return `denied: no allow rule for "${bridge}" in ${confPath} (add \`allow ${bridge}\`, e.g. with a BridgeAcl)${notes}`;
  return `allowed by ${d.allowBy.map(describeRule).join(", ")}${notes}`;
}

/**
 * Would qemu-bridge-helper, reading `confPath` as its default ACL file, let a user attach to `bridge`?
 * Evaluated exactly as the helper does (see helper-parse.ts), following includes.
 */
export async function checkBridgeAccess(files: HostFiles, confPath: string, bridge: string): Promise<{ allowed: boolean; detail: string }> {
  const acl = await collectAcl(files, confPath);
  const d = decideAccess(acl.rules, bridge);
  return { allowed: !acl.fatal && d.allowed, detail: explainAccess(acl, d, bridge, confPath) };
}
