/**
 * Dependency-graph helpers over state entries: what a resource depends on, a dependency-ordered listing, and the
 * reverse-dependency schedule for deletions.
 */
import type { ResourceState } from "./state-file";

/** URNs a resource depends on: its parent, explicit dependencies and property dependencies. */
export function dependenciesOf(r: Pick<ResourceState, "parent" | "dependencies" | "propertyDependencies">): Set<string> {
  const deps = new Set<string>(r.dependencies ?? []);
  if (r.parent) deps.add(r.parent);
  for (const urns of Object.values(r.propertyDependencies ?? {})) for (const u of urns) deps.add(u);
  return deps;
}

/** A stable topological order: every resource after the resources it depends on (cycles keep input order). */
export function sortByDependencies<T extends ResourceState>(resources: T[]): T[] {
  const urns = new Set(resources.map((r) => r.urn));
  const placed = new Set<string>();
  const pending = [...resources];
  const out: T[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex((r) => [...dependenciesOf(r)].every((d) => d === r.urn || placed.has(d) || !urns.has(d)));
    const [next] = pending.splice(index >= 0 ? index : 0, 1);
    out.push(next);
    // Why: a URN counts as placed only when no other entry with it (e.g. a pending delete) is still waiting.
    if (!pending.some((p) => p.urn === next.urn)) placed.add(next.urn);
  }
  return out;
}

/**
 * Splits the resources to delete into rounds (antichains): a resource is deleted only after every other condemned
 * resource that depends on it, as the engine's `ScheduleDeletes` does. Resources within a round are independent.
 */
export function deletionRounds<T extends ResourceState>(condemned: T[]): T[][] {
  const remaining = new Set(condemned);
  const rounds: T[][] = [];
  while (remaining.size > 0) {
    const round = [...remaining].filter(
      (r) => ![...remaining].some((other) => other !== r && other.urn !== r.urn && dependenciesOf(other).has(r.urn)),
    );
    // Why: a dependency cycle cannot come from a real program; break it instead of looping forever.
    const chosen = round.length > 0 ? round : [remaining.values().next().value as T];
    for (const r of chosen) remaining.delete(r);
    rounds.push(chosen);
  }
  return rounds;
}

/** All condemned resources that `r` depends on, directly or transitively (used to skip them when `r` fails). */
export function transitiveDependencies<T extends ResourceState>(r: T, among: T[]): Set<T> {
  const out = new Set<T>();
  const queue = [r];
  while (queue.length > 0) {
    const cur = queue.pop()!;
    const deps = dependenciesOf(cur);
    for (const cand of among) {
      if (!out.has(cand) && cand !== r && deps.has(cand.urn)) {
        out.add(cand);
        queue.push(cand);
      }
    }
  }
  return out;
}
