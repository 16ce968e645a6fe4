/**
 * Property-level comparison used for the legacy (provider-less) diff, the printed `[diff: …]` and refresh drift;
 * plus `ignoreChanges` processing.
 */
import { PROVIDER_KEY, PropertyMap } from "./rpc";

/** Top-level keys added, deleted and updated between two property maps. */
export interface PropertyDiff {
  adds: string[];
  deletes: string[];
  updates: string[];
}

/** Structural equality of JSON-like values (key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a as object).filter((k) => (a as PropertyMap)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as PropertyMap)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as PropertyMap)[k], (b as PropertyMap)[k]));
}

/** Compares two property maps key by key; `null`/`undefined` count as absent, as in the engine's ObjectDiff. */
export function diffProperties(olds: PropertyMap, news: PropertyMap, ignore: string[] = []): PropertyDiff {
  const present = (m: PropertyMap, k: string) => m[k] !== undefined && m[k] !== null;
  const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => !ignore.includes(k)).sort();
  const diff: PropertyDiff = { adds: [], deletes: [], updates: [] };
  for (const k of keys) {
    if (!present(olds, k) && present(news, k)) diff.adds.push(k);
    else if (present(olds, k) && !present(news, k)) diff.deletes.push(k);
    else if (present(olds, k) && !deepEqual(olds[k], news[k])) diff.updates.push(k);
  }
  return diff;
}

/** True when the diff has any change. */
export function hasChanges(diff: PropertyDiff): boolean {
  return diff.adds.length + diff.deletes.length + diff.updates.length > 0;
}

/** All changed keys, sorted. */
export function changedKeys(diff: PropertyDiff): string[] {
  return [...diff.adds, ...diff.deletes, ...diff.updates].sort();
}

/**
 * The diff to show for two property maps: `__provider` is left out unless it is the only change (so an update
 * caused by an edited provider is still explained).
 */
export function displayDiff(olds: PropertyMap, news: PropertyMap): PropertyDiff {
  const diff = diffProperties(olds, news, [PROVIDER_KEY]);
  return hasChanges(diff) ? diff : diffProperties(olds, news);
}

/** Formats a diff the way the Pulumi CLI does: `[diff: +added-deleted~updated1,updated2]`, or "" when empty. */
export function formatDiff(diff: PropertyDiff | undefined): string {
  if (!diff || !hasChanges(diff)) return "";
  let out = "";
  if (diff.adds.length) out += "+" + diff.adds.join(",");
  if (diff.deletes.length) out += "-" + diff.deletes.join(",");
  if (diff.updates.length) out += "~" + diff.updates.join(",");
  return `[diff: ${out}]`;
}

/**
 * Applies `ignoreChanges`: for each property path (`a` or `a.b.c`), the old input value replaces the new one (or the
 * new one is removed when the old inputs lack it), as the engine's `processIgnoreChanges` does before Check.
 */
export function applyIgnoreChanges(news: PropertyMap, olds: PropertyMap, paths: string[]): PropertyMap {
  if (paths.length === 0) return news;
  const result = JSON.parse(JSON.stringify(news)) as PropertyMap;
  const invalid: string[] = [];
  for (const p of paths) {
    const parts = p.replace(/\[(\d+|"[^"]*")\]/g, ".$1").split(".").filter(Boolean).map((s) => s.replace(/^"|"$/g, ""));
    if (parts.length === 0) continue;
    let oldCur: unknown = olds;
    let newCur: unknown = result;
    let ok = true;
    for (const part of parts.slice(0, -1)) {
      oldCur = oldCur && typeof oldCur === "object" ? (oldCur as PropertyMap)[part] : undefined;
      newCur = newCur && typeof newCur === "object" ? (newCur as PropertyMap)[part] : undefined;
      if (typeof newCur !== "object" || newCur === null) {
        ok = oldCur === undefined; // Why: an ignored path absent on both sides is fine; half-present is not.
        break;
      }
    }
    if (!ok) {
      invalid.push(p);
      continue;
    }
    if (typeof newCur !== "object" || newCur === null) continue;
    const last = parts[parts.length - 1];
    const oldValue = oldCur && typeof oldCur === "object" ? (oldCur as PropertyMap)[last] : undefined;
    if (oldValue === undefined) delete (newCur as PropertyMap)[last];
    else (newCur as PropertyMap)[last] = JSON.parse(JSON.stringify(oldValue));
  }
  if (invalid.length > 0) {
    throw new Error(
      `cannot ignore changes to the following properties because one or more elements of the path are missing: ` +
        invalid.map((p) => JSON.stringify(p)).join(", "),
    );
  }
  return result;
}
