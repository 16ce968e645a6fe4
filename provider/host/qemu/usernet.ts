/** One `HOST_FORWARD` row of `info usernet`: a listening host forward of a user-mode (slirp) netdev. */
export interface UsernetForward {
  protocol: "tcp" | "udp";
  /** Host address the forward listens on; QEMU prints `*` for any address, reported here as `0.0.0.0`. */
  hostAddress: string;
  hostPort: number;
  guestAddress: string;
  guestPort: number;
}

const HUB_HEADER = /^Hub\s+-?\d+\s+\((.+)\):\s*$/;
// "  TCP[HOST_FORWARD]  11       127.0.0.1  2223       10.0.2.15    22     0     0"
const ROW = /^\s*(TCP|UDP)\[([^\]]*)\]\s+(-?\d+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+\d+\s+\d+\s*$/;

/**
 * Parse QEMU 7.2's `info usernet` (HMP text) into the host forwards of each user-mode netdev.
 * Every netdev found gets an entry (possibly empty); connection rows (ESTABLISHED, …) are ignored. Pure.
 */
export function parseUsernet(text: string): Map<string, UsernetForward[]> {
  const out = new Map<string, UsernetForward[]>();
  let current: UsernetForward[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    const hub = HUB_HEADER.exec(line);
    if (hub) {
      current = out.get(hub[1]) ?? [];
      out.set(hub[1], current);
      continue;
    }
    const row = ROW.exec(line);
    if (!row || !current || row[2] !== "HOST_FORWARD") continue;
    current.push({
      protocol: row[1] === "TCP" ? "tcp" : "udp",
      hostAddress: row[4] === "*" ? "0.0.0.0" : row[4],
      hostPort: Number(row[5]),
      guestAddress: row[6],
      guestPort: Number(row[7]),
    });
  }
  return out;
}
