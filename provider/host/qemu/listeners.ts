import type { HostForwardSpec } from "./qemu-argv";

/** A listening socket from `ss -Hlntu`. */
export interface Listener {
  protocol: "tcp" | "udp";
  address: string;
  port: number;
}

/** Parse `ss -Hlntu` (Netid State Recv-Q Send-Q Local Peer). Pure. */
export function parseListeners(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || (f[0] !== "tcp" && f[0] !== "udp")) continue;
    const local = f[4]!;
    const colon = local.lastIndexOf(":");
    const port = Number(local.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port)) continue;
    out.push({ protocol: f[0], address: local.slice(0, colon).replace(/%.*$/, ""), port });
  }
  return out;
}

const WILDCARDS = new Set(["*", "0.0.0.0", "[::]"]);

/** The listeners that would make binding `f` fail (same protocol and port; either side a wildcard or the same address). Pure. */
export function conflictingListeners(listeners: readonly Listener[], f: HostForwardSpec): Listener[] {
  return listeners.filter(
    (l) =>
      l.protocol === f.protocol &&
      l.port === f.hostPort &&
      (WILDCARDS.has(l.address) || f.hostAddress === "0.0.0.0" || l.address === f.hostAddress),
  );
}
