import { spawn, type ChildProcess } from "node:child_process";
import { sh, type TestNamespaces } from "../../support/netns";

/** Addresses of the test LAN: the "host" has HOST_IP on its NIC `eno1`, the LAN side is the gateway. */
export const HOST_IP = "10.77.0.1";
export const GATEWAY_IP = "10.77.0.254";
/** A LAN-side address outside the subnet: replies to it need the host's default route. */
export const REMOTE_IP = "10.78.0.1";
export const HOST_IP6 = "2001:db8:77::1";
export const GATEWAY_IP6 = "2001:db8:77::fe";

/** A "host" namespace whose `eno1` is a veth to a "LAN" namespace, with addresses and routes like a real NIC. */
export interface LanLab {
  host: string;
  lan: string;
  port: "eno1";
}

/** Build the lab in two fresh namespaces (removed by `spaces.cleanup()`). */
export function makeLanLab(spaces: TestNamespaces): LanLab {
  const host = spaces.create("qph");
  const lan = spaces.create("qpl");
  const h = (...a: string[]) => sh(["ip", "-n", host, ...a]);
  const l = (...a: string[]) => sh(["ip", "-n", lan, ...a]);
  h("link", "add", "eno1", "type", "veth", "peer", "name", "lan0", "netns", lan);
  h("link", "set", "eno1", "up");
  l("link", "set", "lan0", "up");
  h("addr", "add", `${HOST_IP}/24`, "dev", "eno1");
  h("addr", "add", `${HOST_IP6}/64`, "dev", "eno1", "nodad");
  l("addr", "add", `${GATEWAY_IP}/24`, "dev", "lan0");
  l("addr", "add", `${GATEWAY_IP6}/64`, "dev", "lan0", "nodad");
  l("addr", "add", `${REMOTE_IP}/32`, "dev", "lo");
  h("route", "add", "default", "via", GATEWAY_IP, "dev", "eno1");
  h("route", "add", "10.79.0.0/24", "via", GATEWAY_IP, "dev", "eno1", "metric", "50", "proto", "static");
  h("-6", "route", "add", "default", "via", GATEWAY_IP6, "dev", "eno1");
  return { host, lan, port: "eno1" };
}

/** Add a bridge by hand (the Bridge resource is not used here), up, STP off. */
export function addBridge(ns: string, name: string): void {
  sh(["ip", "-n", ns, "link", "add", name, "type", "bridge", "stp_state", "0"]);
  sh(["ip", "-n", ns, "link", "set", name, "up"]);
}

/** One ping from the LAN's REMOTE_IP to the host address (the reply takes the host's default route). */
export function pingHost(lab: LanLab): boolean {
  return sh(["ip", "netns", "exec", lab.lan, "busybox", "ping", "-c1", "-W1", "-I", REMOTE_IP, HOST_IP], { allowFail: true }).includes("bytes from");
}

/** Routes of a namespace (`ip -j [-6] route show`), parsed. */
export function routesIn(ns: string, family: "4" | "6" = "4"): Array<Record<string, any>> {
  const out = sh(["ip", "-n", ns, "-j", `-${family}`, "route", "show"]).trim();
  return out ? JSON.parse(out) : [];
}

/** Global addresses (CIDR) of a link in a namespace. */
export function addressesOf(ns: string, dev: string): string[] {
  const out = JSON.parse(sh(["ip", "-n", ns, "-j", "addr", "show", "dev", dev])) as Array<{ addr_info: Array<{ local: string; prefixlen: number; scope: string }> }>;
  return out[0]!.addr_info.filter((a) => a.scope !== "link" && a.scope !== "host").map((a) => `${a.local}/${a.prefixlen}`);
}

const INTERVAL_MS = 20;

/**
 * Pings the host address from the LAN every 20 ms while an operation runs and reports the longest
 * stretch without replies. The ping process is ours and is stopped by PID.
 */
export class PingMonitor {
  private child?: ChildProcess;
  private out = "";
  private exited?: Promise<void>;

  constructor(private readonly lab: LanLab) {}

  /** Start and wait for the first reply (bounded: 3 s). */
  async start(): Promise<void> {
    const child = spawn("ip", ["netns", "exec", this.lab.lan, "busybox", "ping", "-i", "0.02", "-w", "30", "-I", REMOTE_IP, HOST_IP], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.exited = new Promise((r) => child.on("exit", () => r()));
    child.stdout!.on("data", (d: Buffer) => (this.out += d.toString()));
    const deadline = Date.now() + 3000;
    while (!this.out.includes("bytes from")) {
      if (Date.now() > deadline) throw new Error(`no ping reply before the operation: ${this.out}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Let a few more pings through, stop, and return the longest gap in replies in ms. */
  async stop(): Promise<{ longestGapMs: number; received: number; repliesAfter: number }> {
    const seen = this.out.length;
    const deadline = Date.now() + 3000;
    // Wait until replies flow again after the operation (or give up: the gap then shows it).
    while (Date.now() < deadline && !this.out.slice(seen).includes("bytes from")) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    if (this.child?.pid) process.kill(this.child.pid, "SIGINT");
    await this.exited;
    const seqs = [...this.out.matchAll(/seq=(\d+)/g)].map((m) => Number(m[1]));
    const sent = Number(/(\d+) packets transmitted/.exec(this.out)?.[1] ?? seqs.length);
    let worst = 0;
    for (let i = 1; i < seqs.length; i++) worst = Math.max(worst, seqs[i]! - seqs[i - 1]! - 1);
    worst = Math.max(worst, sent - 1 - (seqs[seqs.length - 1] ?? -1));
    const repliesAfter = (this.out.slice(seen).match(/bytes from/g) ?? []).length; // replies once the operation returned
    return { longestGapMs: worst * INTERVAL_MS, received: seqs.length, repliesAfter };
  }

  /** Stop without measuring (cleanup after a failure). */
  kill(): void {
    if (this.child?.pid && this.child.exitCode === null) process.kill(this.child.pid, "SIGKILL");
  }
}
