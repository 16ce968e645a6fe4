/** The engine's marker for a value not known until apply (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when v is, or contains, an unknown value. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** True when the value at `path` inside `root`, or any value on the way, is unknown. */
export function isUnknownAt(root: unknown, path: readonly (string | number)[]): boolean {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === UNKNOWN) return true;
    if (cur === null || typeof cur !== "object") return false;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur === UNKNOWN;
}
