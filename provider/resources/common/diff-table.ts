import type { DiffResult } from "./handler";
import { containsUnknown } from "./unknown";

/** How each input property is changed: in place by update, or only by replacement. */
export interface DiffTable<K extends string> {
  update: readonly K[];
  replace: readonly K[];
  /** Replacement must delete first because the physical name (or a disk) is host-global. */
  deleteBeforeReplace: (olds: Record<string, unknown>, news: Record<string, unknown>) => boolean;
}

/** Deep equality for JSON-like values; unknown never equals anything. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (containsUnknown(a) || containsUnknown(b)) return false;
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** Pure diff from a table: properties not listed are not compared (outputs). */
export function diffByTable<K extends string>(
  table: DiffTable<K>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  equal: (key: K, a: unknown, b: unknown) => boolean = (_k, a, b) => jsonEqual(a, b),
): DiffResult {
  const updates = table.update.filter((k) => !equal(k, olds[k], news[k]));
  const replaces = table.replace.filter((k) => !equal(k, olds[k], news[k]));
  const changes = updates.length > 0 || replaces.length > 0;
  return {
    changes,
    updates: [...updates],
    replaces: [...replaces],
    deleteBeforeReplace: replaces.length > 0 && table.deleteBeforeReplace(olds, news),
  };
}
