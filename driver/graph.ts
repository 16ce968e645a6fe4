/**
 * Dependency-graph helpers over state entries: what a resource depends on, a dependency-ordered listing, and the
 * reverse-dependency schedule for deletions.
 */
import type { ResourceState } from "./types";

/** URNs a resource depends on: its parent, explicit dependencies and property dependencies. */
export function dependenciesOf(r: Pick<ResourceState, "parent" | "dependencies" | "propertyDependencies">): Set<string> {
  const deps = new Set<string>(r.dependencies ?? []);
  if (r.parent) deps.add(r.parent);
  for (const urns of Object.values(r.propertyDependencies ?? {})) for (const u of urns) deps.add(u);
  return deps;
}

/**
 * A stable topological order: every resource after the entries (by URN) it depends on. Entries sharing a URN (a
 * pending delete and its replacement) count as one node; a cycle, impossible from a real program, keeps input order.
 */
export function sortByDependencies<T extends ResourceState>(resources: T[]): T[] {
  const byUrn = new Map<string, T[]>();
  for (const r of resources) byUrn.set(r.urn, [...(byUrn.get(r.urn) ?? []), r]);
  const deps = new Map<string, Set<string>>();
  for (const [urn, entries] of byUrn) {
    const set = new Set<string>();
    for (const e of entries) for (const d of dependenciesOf(e)) if (d !== urn && byUrn.has(d)) set.add(d);
    deps.set(urn, set);
  }
  const placed = new Set<string>();
  const out: T[] = [];
  const visit = (urn: string, stack: Set<string>) => {
    if (placed.has(urn) || stack.has(urn)) return;
    stack.add(urn);
    for (const d of deps.get(urn) ?? []) visit(d, stack);
    stack.delete(urn);
    placed.add(urn);
    out.push(...byUrn.get(urn)!);
  };
  for (const r of resources) visit(r.urn, new Set());
  return out;
}

/**
 * Splits the resources to delete into rounds (antichains): a resource is deleted only after every other condemned
 * resource that depends on it, as the engine's `ScheduleDeletes` does. Resources within a round are independent.
 */
export function deletionRounds<T extends ResourceState>(condemned: T[]): T[][] {
  // dependents.get(r) = condemned entries (other URNs) that depend on r.
  const byUrn = new Map<string, T[]>();
  for (const r of condemned) byUrn.set(r.urn, [...(byUrn.get(r.urn) ?? []), r]);
  const blockers = new Map<T, number>();
  const dependents = new Map<T, T[]>();
  for (const r of condemned) blockers.set(r, 0);
  for (const r of condemned) {
    for (const d of dependenciesOf(r)) {
      if (d === r.urn) continue;
      for (const target of byUrn.get(d) ?? []) {
        blockers.set(target, blockers.get(target)! + 1);
        dependents.set(r, [...(dependents.get(r) ?? []), target]);
      }
    }
  }
  const remaining = new Set(condemned);
  const rounds: T[][] = [];
  while (remaining.size > 0) {
    let round = [...remaining].filter((r) => blockers.get(r) === 0);
    // Why: a dependency cycle cannot come from a real program; break it instead of looping forever.
    if (round.length === 0) round = [remaining.values().next().value as T];
    for (const r of round) {
      remaining.delete(r);
      for (const target of dependents.get(r) ?? []) blockers.set(target, blockers.get(target)! - 1);
    }
    rounds.push(round);
  }
  return rounds;
}

/** All condemned resources that `r` depends on, directly or transitively (kept when `r` could not be deleted). */
export function transitiveDependencies<T extends ResourceState>(r: T, among: T[]): Set<T> {
  const out = new Set<T>();
  const queue = [r];
  while (queue.length > 0) {
    const deps = dependenciesOf(queue.pop()!);
    for (const cand of among) {
      if (!out.has(cand) && cand !== r && deps.has(cand.urn)) {
        out.add(cand);
        queue.push(cand);
      }
    }
  }
  return out;
}
