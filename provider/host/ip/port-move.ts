import type { Host } from "../host";
import { CommandError, isFailure } from "../runner/command-error";
import type { IpAddr } from "./ip-json";
import { routeArgs, type MovedRoute } from "./route-ops";

/** One `ip` write and which failure means "already done" (ensure, not create). */
export interface Step {
  args: string[];
  /** `exists`: an add of something already there is success; `gone`: a delete of something absent is success. */
  tolerate?: "exists" | "gone";
}

/** Steps that must all be issued before the next phase starts (one `ip -batch` process per phase). */
export type Phase = Step[];

/** An address to move, with the flags worth keeping. */
export interface AddressToMove {
  cidr: string;
  family: string;
  broadcast?: string;
  noprefixroute?: boolean;
}

/** The address entry from `ip -j addr` reduced to what re-adding it needs. Pure. */
export function addressToMove(a: IpAddr): AddressToMove {
  const m: AddressToMove = { cidr: `${a.local}/${a.prefixlen}`, family: a.family };
  const brd = (a as Record<string, unknown>).broadcast;
  if (typeof brd === "string") m.broadcast = brd;
  if (a.noprefixroute) m.noprefixroute = true;
  return m;
}

/** `addr add` args; IPv6 skips duplicate address detection: the address was already in use on this segment. Pure. */
export function addrAddArgs(a: AddressToMove, dev: string): string[] {
  const args = ["addr", "add", a.cidr];
  if (a.broadcast !== undefined) args.push("broadcast", a.broadcast);
  if (a.family === "inet6") args.push("nodad");
  if (a.noprefixroute) args.push("noprefixroute");
  args.push("dev", dev);
  return args;
}

/** What an attach starts from and has to move. */
export interface AttachPlanInput {
  port: string;
  bridge: string;
  portUp: boolean;
  bridgeUp: boolean;
  /** The port is already enslaved to `bridge`. */
  enslaved: boolean;
  addresses: AddressToMove[];
  routes: MovedRoute[];
}

/**
 * Phases that enslave `port` to `bridge` and move its addresses and routes while the host stays
 * reachable: (1) the bridge is up and holds the addresses too; (2) enslave (from now on frames
 * arriving on the port are delivered to the bridge, which answers for the addresses); (3) each
 * route is appended via the bridge before its twin via the port is deleted, then the port's
 * addresses go. Without addresses to move it is the seed's `ip link set P up; ip link set P master B`. Pure.
 */
export function attachPlan(p: AttachPlanInput): Phase[] {
  const moving = p.addresses.length > 0 || p.routes.length > 0;
  const up: Phase = p.portUp ? [] : [{ args: ["link", "set", "dev", p.port, "up"] }];
  const enslave: Phase = p.enslaved ? [] : [{ args: ["link", "set", "dev", p.port, "master", p.bridge] }];
  if (!moving) return nonEmpty([[...up, ...enslave]]);
  const prepare: Phase = [
    ...up,
    ...(p.bridgeUp ? [] : [{ args: ["link", "set", "dev", p.bridge, "up"] }]),
    ...p.addresses.map((a): Step => ({ args: addrAddArgs(a, p.bridge), tolerate: "exists" })),
  ];
  const switchRoutes: Phase = [
    ...p.routes.flatMap((r): Step[] => [
      { args: routeArgs("append", r, p.bridge), tolerate: "exists" },
      { args: routeArgs("del", r, p.port), tolerate: "gone" },
    ]),
    ...p.addresses.map((a): Step => ({ args: ["addr", "del", a.cidr, "dev", p.port], tolerate: "gone" })),
  ];
  return nonEmpty([prepare, enslave, switchRoutes]);
}

/** What giving addresses and routes back to a port needs. */
export interface GiveBackPlanInput {
  port: string;
  /** The bridge holding the moved addresses and routes. */
  from: string;
  portUp: boolean;
  /** Also release the port from `from` (`nomaster`). */
  release: boolean;
  addresses: AddressToMove[];
  routes: MovedRoute[];
}

/**
 * One phase that returns addresses and routes to `port` and releases it, all while the port is
 * still enslaved: the addresses go back to the port, each route is appended via the port before
 * its twin via the bridge is deleted, the bridge drops the addresses, and `nomaster` comes last.
 * Until then frames reach the bridge and the host still answers (Linux accepts packets for an
 * address on any of its links) with replies sent out through the port's routes; released first,
 * the port would meet the bridge's stale subnet route. One `ip -batch` process. Pure.
 */
export function giveBackPlan(p: GiveBackPlanInput): Phase[] {
  const steps: Step[] = [
    ...(p.portUp ? [] : [{ args: ["link", "set", "dev", p.port, "up"] }]),
    ...p.addresses.map((a): Step => ({ args: addrAddArgs(a, p.port), tolerate: "exists" })),
    ...p.routes.flatMap((r): Step[] => [
      { args: routeArgs("append", r, p.port), tolerate: "exists" },
      { args: routeArgs("del", r, p.from), tolerate: "gone" },
    ]),
    ...p.addresses.map((a): Step => ({ args: ["addr", "del", a.cidr, "dev", p.from], tolerate: "gone" })),
    ...(p.release ? [{ args: ["link", "set", "dev", p.port, "nomaster"] }] : []),
  ];
  return nonEmpty([steps]);
}

function nonEmpty(phases: Phase[]): Phase[] {
  return phases.filter((ph) => ph.length > 0);
}

/** True when a failed step only says the work was already done. Pure. */
export function isTolerated(step: Step, e: unknown): boolean {
  if (step.tolerate === "exists") return isFailure(e, "exists") || (e instanceof CommandError && /address already assigned/i.test(e.stderr));
  if (step.tolerate === "gone")
    return isFailure(e, "not-found") || (e instanceof CommandError && /no such process|cannot assign requested address|address not found/i.test(e.stderr));
  return false;
}

/**
 * Run a phase: every step is issued in the same tick, so the host coalesces them into one
 * `ip -force -batch -` in order. Rejects with the first failure that is not tolerated, after all
 * steps ran (with -force, later lines run even when an earlier one failed).
 */
export async function runPhase(host: Host, phase: Phase): Promise<void> {
  const results = await Promise.allSettled(phase.map((s) => host.ipWrite(s.args)));
  const failures = results.flatMap((r, i) => (r.status === "rejected" && !isTolerated(phase[i]!, r.reason) ? [r.reason as unknown] : []));
  if (failures.length > 0) throw failures[0];
}

/** Run phases in order, awaiting each: later phases depend on earlier ones for connectivity. */
export async function runPhases(host: Host, phases: readonly Phase[]): Promise<void> {
  for (const ph of phases) await runPhase(host, ph);
}
