import type { Host } from "../../host/host";
import { observeBridge, type ObservedBridge } from "../../host/ip/bridge-state";
import { addAddress, deleteAddress } from "../../host/ip/address-ops";
import { setBridgeStp, setLinkAddress, setLinkAlias, setLinkGroup, setLinkUp, setMtu } from "../../host/ip/link-ops";
import { whereOf } from "../common/host-of";
import { finalSteps, firstSteps, needsReread, type BridgeStep, type CurrentBridge, type DesiredBridge } from "./plan";
import { messageOf } from "../../host/runner/message-of";


/** The bridge `name` as the shared snapshot has it, or undefined (gone, or not a bridge). */
export async function observe(host: Host, name: string, keepLinkLocal: readonly string[]): Promise<ObservedBridge | undefined> {
  const link = (await host.links()).get(name);
  return link && observeBridge(link, keepLinkLocal);
}

/** A step as a person reads it, e.g. `addr-add 10.3.0.1/24` or `link up=false`. Pure. */
export function describeStep(s: BridgeStep): string {
  const { op, ...rest } = s;
  return [op, ...Object.entries(rest).map(([k, v]) => (typeof v === "boolean" ? `${k}=${v}` : String(v)))].join(" ");
}

/**
 * Re-read the bridge after acting and fail when it is not what was asked: `ip` can report success for what the
 * kernel did not keep (or a batch line that never ran). Returns the bridge as observed.
 */
export async function verifyConverged(host: Host, name: string, desired: DesiredBridge): Promise<ObservedBridge> {
  const obs = await observe(host, name, desired.addresses ?? []);
  if (!obs) throw new Error(`bridge "${name}" vanished ${whereOf(host.netns)} while it was being changed`);
  const want = { ...desired, alias: undefined }; // the label is not part of what is observed
  const left = [...firstSteps(obs, want), ...finalSteps(obs, want)];
  if (left.length > 0)
    throw new Error(
      `bridge "${name}" ${whereOf(host.netns)} differs from the plan after it was applied: still to do ${left.map(describeStep).join(", ")} ` +
        `(the kernel has ${JSON.stringify({ addresses: obs.addresses, mtu: obs.mtu, stp: obs.stp, up: obs.up, macAddress: obs.macAddress })})`,
    );
  return obs;
}

type StepOf<K extends BridgeStep["op"]> = Extract<BridgeStep, { op: K }>;

/** Each step's one `ip` write. */
const WRITE: { [K in BridgeStep["op"]]: (host: Host, name: string, s: StepOf<K>) => Promise<void> } = {
  mac: (host, name, s) => setLinkAddress(host, name, s.address),
  alias: (host, name, s) => setLinkAlias(host, name, s.alias),
  group: (host, name, s) => setLinkGroup(host, name, s.group),
  mtu: (host, name, s) => setMtu(host, name, s.mtu),
  stp: (host, name, s) => setBridgeStp(host, name, s.on),
  link: (host, name, s) => setLinkUp(host, name, s.up),
  "addr-del": (host, name, s) => deleteAddress(host, name, s.cidr), // already gone is fine
  "addr-add": (host, name, s) => addAddress(host, name, s.cidr), // already there is fine
};

/** Start one step's `ip` write. Called synchronously for every step, so a tick's steps share one batch. */
function startStep(host: Host, name: string, s: BridgeStep): Promise<void> {
  return (WRITE[s.op] as (host: Host, name: string, s: BridgeStep) => Promise<void>)(host, name, s);
}

/** Run steps together (one `ip -batch` in order); every failure is collected, none stops the others. */
async function runSteps(host: Host, name: string, steps: readonly BridgeStep[]): Promise<unknown[]> {
  const results = await Promise.allSettled(steps.map((s) => startStep(host, name, s)));
  return results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
}

/** One error for several failed commands, each keeping its argv, exit code, stderr and fix. */
export function combineErrors(errors: readonly unknown[]): unknown {
  if (errors.length === 1) return errors[0];
  const lines = errors.map((e) => `- ${messageOf(e).replace(/\n/g, "\n  ")}`);
  return new Error(`${errors.length} changes failed:\n${lines.join("\n")}`, { cause: errors[0] });
}

/**
 * Bring bridge `name` from `current` to `desired`, changing only what differs. Usually one
 * `ip -batch`; two with a re-read in between when removals may take unnamed addresses with them.
 * Throws the combined failures after applying everything it could.
 */
export async function converge(host: Host, name: string, current: CurrentBridge, desired: DesiredBridge): Promise<void> {
  const first = firstSteps(current, desired);
  if (!needsReread(first)) {
    const errors = await runSteps(host, name, [...first, ...finalSteps(current, desired)]);
    if (errors.length > 0) throw combineErrors(errors);
    return;
  }
  const errors = await runSteps(host, name, first);
  const now = await observe(host, name, desired.addresses ?? []);
  if (!now) throw combineErrors([...errors, new Error(`bridge "${name}" disappeared ${whereOf(host.netns)} while it was being changed`)]);
  errors.push(...(await runSteps(host, name, finalSteps(now, desired))));
  if (errors.length > 0) throw combineErrors(errors);
}
