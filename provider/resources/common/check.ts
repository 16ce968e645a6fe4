import type { z } from "zod";
import type { CheckFailure, CheckResult } from "./handler";
import { containsUnknown, isUnknownAt } from "./unknown";

/**
 * Validate inputs with a zod schema and turn every issue into a CheckFailure with its property path.
 * Values unknown during preview pass: issues at or below an unknown value are dropped, and the raw
 * inputs are returned (the engine calls check again with known values before create/update).
 */
export function checkWithSchema<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, news: Record<string, unknown>): CheckResult<T> {
  const input = stripReserved(news);
  const r = schema.safeParse(input);
  if (r.success) return { inputs: r.data, failures: [] };
  const failures: CheckFailure[] = [];
  for (const issue of r.error.issues) {
    if (isUnknownAt(input, issue.path)) continue;
    if (issue.code === "invalid_union" && containsUnknown(valueAt(input, issue.path))) continue;
    failures.push({ property: issue.path.length ? formatPath(issue.path) : "(inputs)", reason: issue.message });
  }
  if (failures.length === 0 && containsUnknown(input)) return { inputs: input as T, failures: [] };
  return { inputs: input as T, failures };
}

/** Keys the engine or SDK adds that are not resource inputs. */
function stripReserved(news: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(news)) if (!k.startsWith("__") && v !== undefined) out[k] = v;
  return out;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur = root;
  for (const k of path) cur = cur && typeof cur === "object" ? (cur as Record<string | number, unknown>)[k] : undefined;
  return cur;
}

/** `nics[0].hostForwards[1].hostPort` style paths, as Pulumi prints property paths. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
