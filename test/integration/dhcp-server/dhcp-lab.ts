/**
 * A DHCP lab for DhcpServer tests: a server namespace with a bridge (made with `ip`), a client namespace joined to it
 * by a veth, a state directory, and cleanup that stops only the dnsmasq processes started for this lab (by pid, after
 * checking their cmdline names this lab's state directory).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sh, type TestNamespaces } from "../../support/netns";
import { isLive, waitGone } from "../../support/processes";

export const BRIDGE = "br0";
export const BRIDGE_IP = "10.77.0.1";
export const CLIENT_MAC = "52:54:00:77:00:01";
/** Another addressed interface in the server namespace (one end of a veth pair): dnsmasq must not listen on it. */
export const OTHER_IF = "vo0";
export const OTHER_IP = "10.78.0.1";

export interface DhcpLab {
  server: string;
  client: string;
  stateDir: string;
  /** Run `busybox udhcpc` in the client namespace; the address it was given (also set on its interface), or undefined. */
  dhcp(): string | undefined;
  /** `busybox nslookup <name> <bridge ip>` from the client namespace: the addresses answered. */
  lookup(name: string): string[];
  /**
   * Start another dnsmasq in the server namespace, with `conf` lines plus its own pidfile, from `binary` (default the
   * installed one); its files live under the state directory so cleanup finds it. Its pid.
   */
  foreignDnsmasq(tag: string, conf: string[], binary?: string): number;
  cleanup(): Promise<void>;
}

/** The udhcpc event script: prints the address and, on `bound`/`renew`, sets it on the interface (for DNS queries). */
const SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"; echo "bound ip=$ip router=$router dns=$dns domain=$domain" ;;
esac
exit 0
`;

/** Make the namespaces, bridge, veth and state directory. `stateMode` 0755: dnsmasq's user must pass through it. */
export function makeDhcpLab(spaces: TestNamespaces, stateMode = 0o755): DhcpLab {
  const server = spaces.create("qldh");
  const client = spaces.create("qldc");
  sh(["ip", "-n", server, "link", "add", BRIDGE, "type", "bridge"]);
  sh(["ip", "-n", server, "addr", "add", `${BRIDGE_IP}/24`, "dev", BRIDGE]);
  sh(["ip", "-n", server, "link", "set", BRIDGE, "up"]);
  sh(["ip", "-n", server, "link", "add", OTHER_IF, "type", "veth", "peer", "name", `${OTHER_IF}p`]); // no dummy module here
  sh(["ip", "-n", server, "link", "set", `${OTHER_IF}p`, "up"]);
  sh(["ip", "-n", server, "addr", "add", `${OTHER_IP}/24`, "dev", OTHER_IF]);
  sh(["ip", "-n", server, "link", "set", OTHER_IF, "up"]);
  sh(["ip", "-n", server, "link", "add", "vh0", "type", "veth", "peer", "name", "eth0", "netns", client]);
  sh(["ip", "-n", server, "link", "set", "vh0", "master", BRIDGE, "up"]);
  sh(["ip", "-n", client, "link", "set", "eth0", "address", CLIENT_MAC, "up"]);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qldhcp-"));
  const stateDir = path.join(tmp, "state");
  fs.mkdirSync(stateDir, { mode: stateMode });
  fs.chmodSync(stateDir, stateMode);
  fs.chmodSync(tmp, 0o755);
  const script = path.join(tmp, "udhcpc.sh");
  fs.writeFileSync(script, SCRIPT, { mode: 0o755 });

  return {
    server,
    client,
    stateDir,
    dhcp() {
      const out = sh(["ip", "netns", "exec", client, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "5", "-T", "1", "-s", script], { allowFail: true });
      return /bound ip=(\S+)/.exec(out)?.[1];
    },
    lookup(name) {
      const out = sh(["ip", "netns", "exec", client, "busybox", "nslookup", name, BRIDGE_IP], { allowFail: true });
      // Answers follow the "Name:" line; the first "Address:" line is the server's.
      return [...out.split(/\nName:/).slice(1).join("\n").matchAll(/Address:\s*(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!);
    },
    foreignDnsmasq(tag, conf, binary = "dnsmasq") {
      const dir = path.join(stateDir, `foreign-${tag}`);
      fs.mkdirSync(dir, { recursive: true });
      const confFile = path.join(dir, "dnsmasq.conf");
      fs.writeFileSync(confFile, [...conf, `pid-file=${dir}/pid`, ""].join("\n"));
      sh(["ip", "netns", "exec", server, binary, `--conf-file=${confFile}`]);
      return Number(fs.readFileSync(path.join(dir, "pid"), "utf8"));
    },
    async cleanup() {
      for (const pid of dnsmasqPidsOf(stateDir)) {
        process.kill(pid, "SIGKILL");
        await waitGone(pid);
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Live dnsmasq processes whose cmdline names a config under `stateDir` (this lab's only). */
export function dnsmasqPidsOf(stateDir: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    let cmd = "";
    try {
      cmd = fs.readFileSync(`/proc/${e}/cmdline`, "utf8");
    } catch {
      continue;
    }
    const argv = cmd.split("\0");
    if (path.basename(argv[0] ?? "") === "dnsmasq" && argv.some((a) => a.startsWith(`--conf-file=${stateDir}/`)) && isLive(Number(e))) out.push(Number(e));
  }
  return out;
}

/** The real uid a process runs as (`Uid:` of /proc/<pid>/status). */
export function uidOfProcess(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
}
