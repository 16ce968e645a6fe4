import type { Host } from "../host";
import { unlessGone } from "../runner/command-error";

/** Create a bridge, in link group `group` when given. Rejects with kind "exists" when a link of that name exists. */
export async function addBridge(host: Host, name: string, opts: { stp?: boolean; mtu?: number; group?: number } = {}): Promise<void> {
  const args = ["link", "add", "name", name, "type", "bridge", "stp_state", opts.stp ? "1" : "0"];
  if (opts.mtu !== undefined) args.splice(4, 0, "mtu", String(opts.mtu));
  if (opts.group !== undefined) args.splice(4, 0, "group", String(opts.group));
  await host.ipWrite(args);
}

/** Put a link in a link group (0: the default group). */
export function setLinkGroup(host: Host, name: string, group: number): Promise<void> {
  return host.ipWrite(["link", "set", "dev", name, "group", String(group)]);
}

/** Switch a bridge's STP on or off. */
export function setBridgeStp(host: Host, name: string, stp: boolean): Promise<void> {
  return host.ipWrite(["link", "set", "dev", name, "type", "bridge", "stp_state", stp ? "1" : "0"]);
}

/** Delete a link; already gone is success. */
export function deleteLink(host: Host, name: string): Promise<void> {
  return unlessGone(host.ipWrite(["link", "delete", "dev", name]));
}

/** Set a link administratively up or down. */
export function setLinkUp(host: Host, name: string, up: boolean): Promise<void> {
  return host.ipWrite(["link", "set", "dev", name, up ? "up" : "down"]);
}

/** Set a link's MAC address (a bridge with a set address keeps it when ports join or leave). */
export function setLinkAddress(host: Host, name: string, mac: string): Promise<void> {
  return host.ipWrite(["link", "set", "dev", name, "address", mac]);
}

/** Set a link's alias (ifalias): where pulumi-qemu-lab writes its ownership label. */
export function setLinkAlias(host: Host, name: string, alias: string): Promise<void> {
  return host.ipWrite(["link", "set", "dev", name, "alias", alias]);
}

/** Set a link's MTU. */
export function setMtu(host: Host, name: string, mtu: number): Promise<void> {
  return host.ipWrite(["link", "set", "dev", name, "mtu", String(mtu)]);
}
