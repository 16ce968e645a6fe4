import { canonicalCidr } from "../../host/ip/cidr";

/** One change to a bridge; lifecycle turns each into one `ip` command. */
export type BridgeStep =
  | { op: "mac"; address: string }
  | { op: "alias"; alias: string }
  | { op: "group"; group: number }
  | { op: "mtu"; mtu: number }
  | { op: "stp"; on: boolean }
  | { op: "link"; up: boolean }
  | { op: "addr-del"; cidr: string }
  | { op: "addr-add"; cidr: string };

/** What the host has, as far as a plan needs it (mtu undefined: unknown, e.g. a bridge just made). */
export interface CurrentBridge {
  addresses: readonly string[];
  mtu?: number;
  stp: boolean;
  up: boolean;
  /** Undefined for a bridge just made (its MAC is random). */
  macAddress?: string;
  alias?: string;
  /** The link group (a create marks its new bridge with its owner's group until the alias is written). */
  group?: number;
}

/** What the inputs ask for; undefined properties are not managed. */
export interface DesiredBridge {
  addresses?: readonly string[];
  mtu?: number;
  stp?: boolean;
  up?: boolean;
  macAddress?: string;
  /** The ownership label to write (only when creating). */
  alias?: string;
}

/**
 * Changes that go first: link settings, going down, removing addresses. MTU first so IPv6
 * addresses added later find an MTU ≥ 1280. Pure.
 */
export function firstSteps(current: CurrentBridge, desired: DesiredBridge): BridgeStep[] {
  const steps: BridgeStep[] = [];
  if (desired.macAddress !== undefined && current.macAddress?.toLowerCase() !== desired.macAddress.toLowerCase())
    steps.push({ op: "mac", address: desired.macAddress });
  if (desired.alias !== undefined && current.alias !== desired.alias) steps.push({ op: "alias", alias: desired.alias });
  // The owner's group marked the bridge until the alias exists: cleared in the same batch as the alias.
  if (desired.alias !== undefined && current.group !== undefined && current.group !== 0) steps.push({ op: "group", group: 0 });
  if (desired.mtu !== undefined && current.mtu !== desired.mtu) steps.push({ op: "mtu", mtu: desired.mtu });
  if (desired.stp !== undefined && current.stp !== desired.stp) steps.push({ op: "stp", on: desired.stp });
  if (desired.up === false && current.up) steps.push({ op: "link", up: false });
  if (desired.addresses !== undefined) {
    const want = new Set(desired.addresses.map(canonicalCidr));
    for (const c of current.addresses) if (!want.has(canonicalCidr(c))) steps.push({ op: "addr-del", cidr: c });
  }
  return steps;
}

/**
 * True when the first steps can make the kernel drop addresses nobody named: deleting an IPv4
 * primary deletes its secondaries, and a link going down loses its IPv6 addresses
 * (keep_addr_on_down=0). The host must then be re-read before adding addresses.
 */
export function needsReread(first: readonly BridgeStep[]): boolean {
  return first.some((s) => s.op === "addr-del" || (s.op === "link" && !s.up));
}

/**
 * Changes that go last: add missing addresses in the order given (the first IPv4 address of a
 * subnet becomes its primary), then bring the link up. Pure.
 */
export function finalSteps(current: CurrentBridge, desired: DesiredBridge): BridgeStep[] {
  const steps: BridgeStep[] = [];
  if (desired.addresses !== undefined) {
    const have = new Set(current.addresses.map(canonicalCidr));
    for (const c of desired.addresses) if (!have.has(canonicalCidr(c))) steps.push({ op: "addr-add", cidr: c });
  }
  if (desired.up === true && !current.up) steps.push({ op: "link", up: true });
  return steps;
}
