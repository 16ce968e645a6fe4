/**
 * Property-level comparison used for the legacy (provider-less) diff, the printed `[diff: …]` and refresh drift;
 * plus `ignoreChanges` processing.
 */
import { PROVIDER_KEY, PropertyMap } from "./rpc";

/** Top-level keys added, deleted and updated between two property maps, with the values compared. */
export interface PropertyDiff {
  adds: string[];
  deletes: string[];
  updates: string[];
  /**
   * The old properties compared (what `--diff` and `--json` show), without ignored keys and internal ones (`__`,
   * e.g. the serialized `__provider`), which the CLI's display leaves out too. Secrets stay marked.
   */
  old?: PropertyMap;
  /** The new properties compared, as {@link PropertyDiff.old}. */
  new?: PropertyMap;
  /**
   * True when the engine found the changes itself, the provider's Diff having answered "unknown" (a dynamic provider
   * without `diff`): the CLI then shows them as a detailed diff, the changed paths only (step_generator.go:2795-2806).
   */
  changedOnly?: boolean;
}

/** Keys the CLI's display never shows (resource.IsInternalPropertyKey: a `__` prefix). */
export function isInternalKey(key: string): boolean {
  return key.startsWith("__");
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
  const shown = (m: PropertyMap) => Object.fromEntries(Object.entries(m).filter(([k]) => !ignore.includes(k) && !isInternalKey(k)));
  const diff: PropertyDiff = { adds: [], deletes: [], updates: [], old: shown(olds), new: shown(news) };
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

/** A parsed property path: object keys (strings, `"*"` for every key/element) and array indexes (numbers). */
export type PropertyPath = (string | number)[];

/**
 * Parses a property path as the engine does, loosely (sdk/go/common/resource/properties_path.go:146-148 and
 * 69-144, parsePropertyPath): `a`, `a.b`, `a[0]`, `a["k.with.dots"]`, `a[*]`, `*`. Throws on a malformed path.
 */
export function parsePropertyPath(path: string): PropertyPath {
  const elements: PropertyPath = [];
  if (path.startsWith(".")) throw new Error("expected property path to start with a name or index");
  let rest = path;
  while (rest.length > 0) {
    if (rest[0] === ".") {
      rest = rest.slice(1);
      if (rest.length === 0) throw new Error("expected property path to end with a name or index");
    } else if (rest[0] === "[") {
      if (rest[1] === '"') {
        let key = "";
        let i = 2;
        for (;;) {
          if (i >= rest.length) throw new Error("missing closing quote in property name");
          if (rest[i] === '"') {
            i++;
            break;
          }
          if (rest[i] === "\\" && rest[i + 1] === '"') {
            key += '"';
            i += 2;
          } else key += rest[i++];
        }
        if (rest[i] !== "]") throw new Error("missing closing bracket in property access");
        elements.push(key);
        rest = rest.slice(i + 1);
      } else {
        const close = rest.indexOf("]");
        if (close === -1) throw new Error("missing closing bracket in array index");
        const segment = rest.slice(1, close);
        if (segment === "*") elements.push("*");
        else if (/^[+-]?\d+$/.test(segment)) elements.push(Number(segment));
        else throw new Error(`invalid array index: ${JSON.stringify(segment)}`);
        rest = rest.slice(close + 1);
      }
    } else {
      const end = rest.search(/[.[]/);
      const name = end === -1 ? rest : rest.slice(0, end);
      elements.push(name);
      rest = end === -1 ? "" : rest.slice(end);
    }
  }
  return elements;
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/**
 * Resets the value at `path` in `next` (mutated) to the value at the same place in `old`, without creating
 * intermediate locations or changing array lengths; false means a path error ("added or removed elements").
 * A port of PropertyPath.reset (sdk/go/common/resource/properties_path.go:354-571).
 */
function resetPath(p: PropertyPath, old: Json, next: Json): boolean {
  if (p.length === 0) return false;
  const key = p[0];
  if (typeof key === "number") {
    if (key < 0) return false;
    if (p.length === 1) {
      if (!Array.isArray(old) && !Array.isArray(next)) return true;
      if (!Array.isArray(old) || !Array.isArray(next)) return false;
      if (key >= old.length && key >= next.length) return true;
      if (key >= old.length || key >= next.length) return false;
      next[key] = clone(old[key]);
      return true;
    }
    if (!Array.isArray(old) || !Array.isArray(next)) return !Array.isArray(old) && !Array.isArray(next);
    if (key >= old.length || key >= next.length) return false;
    return resetPath(p.slice(1), old[key], next[key]);
  }
  if (key === "*") {
    if (p.length === 1) {
      if (isObject(next)) {
        if (isObject(old)) {
          for (const k of Object.keys(old)) next[k] = clone(old[k]);
          for (const k of Object.keys(next)) if (!(k in old)) delete next[k];
        }
        return true;
      }
      if (Array.isArray(next)) {
        if (Array.isArray(old)) {
          for (let i = 0; i < old.length && i < next.length; i++) next[i] = clone(old[i]);
          if (old.length !== next.length) return false;
        }
        return true;
      }
      return false;
    }
    if (isObject(old) && isObject(next)) {
      for (const k of Object.keys(old)) {
        if (!(k in next)) return false;
        if (!resetPath(p.slice(1), old[k], next[k])) return false;
      }
      return true;
    }
    if (Array.isArray(old) && Array.isArray(next)) {
      for (let i = 0; i < old.length && i < next.length; i++) if (!resetPath(p.slice(1), old[i], next[i])) return false;
      return old.length === next.length;
    }
    return false;
  }
  if (p.length === 1) {
    if (isObject(old) && key in old) {
      if (!isObject(next)) return false;
      next[key] = clone(old[key]);
    } else if (isObject(next)) delete next[key];
    return true;
  }
  if (!isObject(old) || !isObject(next)) return !isObject(old) && !isObject(next);
  const hasNew = key in next;
  const hasOld = key in old;
  if (hasOld && !hasNew) return false;
  if (!hasOld && !hasNew) return true;
  return resetPath(p.slice(1), old[key], next[key]);
}

/**
 * Applies `ignoreChanges` as the engine's processIgnoreChanges does before Check (step_generator.go:3074-3095): for
 * each path, the old input value replaces the new one (or the new one is removed where the old inputs lack it).
 * Paths that cannot be reset (an element added or removed on the way) are returned in `invalid`; unparsable
 * paths are skipped, as by the engine.
 */
export function processIgnoreChanges(news: PropertyMap, olds: PropertyMap, paths: string[]): { inputs: PropertyMap; invalid: string[] } {
  if (paths.length === 0) return { inputs: news, invalid: [] };
  const inputs = clone(news);
  const invalid: string[] = [];
  for (const path of paths) {
    let parsed: PropertyPath;
    try {
      parsed = parsePropertyPath(path);
    } catch {
      continue;
    }
    if (!resetPath(parsed, olds, inputs)) invalid.push(path);
  }
  return { inputs, invalid };
}

/**
 * The engine's message for ignoreChanges paths that could not be applied, an info diagnostic (the step goes on):
 * step_generator.go:3091-3093, `%q` of the paths joined with ", ".
 */
export function ignoreChangesMessage(invalid: string[]): string {
  return `cannot ignore changes in added or removed elements of the path: ${JSON.stringify(invalid.join(", "))}`;
}

/** {@link processIgnoreChanges}, strict: throws when a path could not be applied. */
export function applyIgnoreChanges(news: PropertyMap, olds: PropertyMap, paths: string[]): PropertyMap {
  const { inputs, invalid } = processIgnoreChanges(news, olds, paths);
  if (invalid.length > 0) {
    throw new Error(
      `cannot ignore changes to the following properties because one or more elements of the path are missing: ` +
        invalid.map((p) => JSON.stringify(p)).join(", "),
    );
  }
  return inputs;
}
