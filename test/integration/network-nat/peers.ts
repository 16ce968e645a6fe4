import { spawn, type ChildProcess } from "node:child_process";
import { sh, type TestNamespaces } from "../../support/netns";
import { waitGone } from "../../support/processes";
import { nodeInNetns } from "../../../demo/banner";

/**
 * Three namespaces for NAT tests: "upstream" plays the internet (203.0.113.0/24), "router" is the host the
 * NetworkNat lives in, "guest" a VM on the LAN (192.168.77.0/24, default route via the router). Upstream has no
 * route to the LAN: a guest's connection out works only when masqueraded.
 */
export interface NatLab {
  upstream: string;
  router: string;
  guest: string;
}

export const UPSTREAM_ADDRESS = "203.0.113.2";
export const ROUTER_UP_ADDRESS = "203.0.113.1";
export const ROUTER_LAN_ADDRESS = "192.168.77.1";
export const GUEST_ADDRESS = "192.168.77.10";
export const LAN = "192.168.77.0/24";

/** Build the three namespaces and the two veth cables (router: `rup` to upstream, `rlan` to the guest). */
export function buildLab(spaces: TestNamespaces): NatLab {
  const lab = { upstream: spaces.create("qlnu"), router: spaces.create("qlnr"), guest: spaces.create("qlng") };
  const link = (ns: string, name: string, peer: string, peerNs: string) =>
    sh(["ip", "-n", ns, "link", "add", name, "type", "veth", "peer", "name", peer, "netns", peerNs]);
  const addr = (ns: string, dev: string, cidr: string) => {
    sh(["ip", "-n", ns, "addr", "add", cidr, "dev", dev]);
    sh(["ip", "-n", ns, "link", "set", dev, "up"]);
  };
  link(lab.router, "rup", "uplink", lab.upstream);
  link(lab.router, "rlan", "eth0", lab.guest);
  addr(lab.router, "rup", `${ROUTER_UP_ADDRESS}/24`);
  addr(lab.upstream, "uplink", `${UPSTREAM_ADDRESS}/24`);
  addr(lab.router, "rlan", `${ROUTER_LAN_ADDRESS}/24`);
  addr(lab.guest, "eth0", `${GUEST_ADDRESS}/24`);
  sh(["ip", "-n", lab.guest, "route", "add", "default", "via", ROUTER_LAN_ADDRESS]);
  return lab;
}

/** Listeners the tests started, stopped by pid. */
export class Listeners {
  private readonly children: ChildProcess[] = [];

  /**
   * A TCP server in `netns` on `port` that sends each client one line, `TAG PEER-ADDRESS`, and closes: the client
   * learns who answered and what source address that side saw.
   */
  async start(netns: string, port: number, tag: string): Promise<void> {
    const code = `require("net").createServer((s)=>s.end(${JSON.stringify(tag)}+" "+s.remoteAddress.replace(/^::ffff:/,"")+"\\n"))` +
      `.listen(${port},"0.0.0.0",()=>console.log("listening"));`;
    const child = spawn("ip", ["netns", "exec", netns, process.execPath, "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      let err = "";
      child.stderr!.on("data", (d) => (err += d));
      child.stdout!.on("data", (d) => String(d).includes("listening") && resolve());
      child.on("exit", (c) => reject(new Error(`listener in ${netns} exited (${c}): ${err}`)));
    });
  }

  async stopAll(): Promise<void> {
    for (const c of this.children.splice(0)) {
      if (c.pid === undefined) continue;
      try {
        process.kill(c.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await waitGone(c.pid);
    }
  }
}

/**
 * One connection from `netns` to host:port: the server's line, or `ERR <reason>` when no line came within 3 s
 * (refused, unreachable, no reply). One attempt, so a blocked path shows as ERR.
 */
export function connectOnce(netns: string, host: string, port: number): Promise<string> {
  const code =
    `const s=require("net").connect(${port},${JSON.stringify(host)});let b="";` +
    `s.setTimeout(3000,()=>{console.log("ERR timeout");process.exit(0)});` +
    `s.on("data",d=>{b+=d;if(b.includes("\\n")){console.log(b.split("\\n")[0]);process.exit(0)}});` +
    `s.on("error",e=>{console.log("ERR "+e.code);process.exit(0)});s.on("end",()=>{console.log(b?b.trim():"ERR closed");process.exit(0)});`;
  return nodeInNetns(netns, code, "client printed nothing").then((out) => out.trim());
}
