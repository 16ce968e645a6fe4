/**
 * A real OpenSSH server for tests, serving one test network namespace as "a remote host": commands over SSH run in
 * that namespace (and see /etc/netns/NS over /etc). Keys are made per run; everything is removed on stop.
 *
 * Reaching it: jest runs in the root namespace, which tests must not give links. So each server gets a relay on the
 * root namespace's loopback (127.0.0.1:ephemeral) that carries every accepted connection into the namespace through
 * `ip netns exec NS busybox nc ADDRESS PORT` — one real TCP connection to sshd per client connection. The provider
 * code under test sees an ordinary `SshTarget` ({host: "127.0.0.1", port: relayPort}); nothing in it exists for tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { SshTarget } from "../../provider/host/target";
import { sh } from "./netns";
import { isLive, killQuietly, pollUntil, waitGone } from "./processes";

/** Options of {@link startSshd}. */
export interface SshdOptions {
  /** Address sshd listens on inside the namespace (default 127.0.0.1: the namespace's own loopback). */
  address?: string;
  /** Port inside the namespace (default 22). */
  port?: number;
  /** sshd_config MaxSessions (default 10, OpenSSH's default). */
  maxSessions?: number;
  /** Accept this client key instead of making one (several servers, one client). */
  clientKeyPath?: string;
  /** No relay from the root namespace (a server reached only through a jump host). */
  noRelay?: boolean;
  /**
   * root's login shell as this "host" sees it (through /etc/netns/NS/passwd, which `ip netns exec` mounts over
   * /etc/passwd). Default /bin/sh: this machine's root ~/.bashrc is heavy, and bash sources it for every SSH command.
   * Set "/bin/bash" to test under bash.
   */
  loginShell?: string;
}

/** A running test sshd. */
export interface Sshd {
  readonly netns: string;
  readonly address: string;
  readonly port: number;
  /** sshd's (listener's) PID. */
  readonly pid: number;
  /** Its host key as a `hostKey` pin: `ssh-ed25519 AAAA…`. */
  readonly hostKey: string;
  /** `ssh-keygen -l` of the host key: `SHA256:…`. */
  readonly fingerprint: string;
  /** The client's private key (authorized on this server). */
  readonly clientKeyPath: string;
  /** A known_hosts file trusting this server under the name the target uses (`[127.0.0.1]:relayPort`). */
  readonly knownHostsPath: string;
  /** Port of the relay on the root namespace's 127.0.0.1 (0 with `noRelay`). */
  readonly relayPort: number;
  /** The temp directory holding keys, config, pidfile and log. */
  readonly dir: string;
  /** Connections the relay accepted so far. */
  relayConnections(): number;
  /** PIDs of the relay's `nc` processes (one per open connection): SIGSTOP one to make its connection hang. */
  relayPids(): number[];
  /** An SshTarget reaching this server through the relay. */
  target(extra?: Partial<SshTarget>): SshTarget;
  /** Established TCP connections to sshd, counted inside the namespace (`ss -tn`). */
  connectionCount(): number;
  /** PIDs of sshd's per-connection children (one per client connection). */
  connectionPids(): number[];
  /** sshd's log so far (stderr of `sshd -D -e`). */
  log(): string;
  /** Stop sshd, its connection children and the relay; remove the temp directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Parent PID of a process (field 4 of /proc/PID/stat), or undefined when it is gone. */
function ppidOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** Live PIDs whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return fs
    .readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => ppidOf(p) === pid && isLive(p));
}

/** `pid` and all its descendants, deepest last. */
function treeOf(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...childrenOf(out[i]!));
  return out;
}

/** Make an ed25519 key pair at `file` (+ `.pub`); returns the public key line without comment. */
export function makeKey(file: string): string {
  sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
  return fs.readFileSync(`${file}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
}

/** `SHA256:…` of a public key file, as `ssh-keygen -l` prints it. */
export function fingerprintOf(pubFile: string): string {
  return sh(["ssh-keygen", "-l", "-f", pubFile]).split(" ")[1]!;
}

/** Start sshd in `netns` (which must have `address` on a link that is up; lo is up in TestNamespaces). */
export async function startSshd(netns: string, options: SshdOptions = {}): Promise<Sshd> {
  const address = options.address ?? "127.0.0.1";
  const port = options.port ?? 22;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-sshd-"));
  let child: ChildProcess | undefined;
  let relay: net.Server | undefined;
  const relayed = new Set<ChildProcess>();
  let relayCount = 0;
  let stderr = "";
  let stopped = false;
  let wrotePasswd = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const p of relayed) killQuietly(p.pid);
    if (relay) await new Promise<void>((r) => relay!.close(() => r()));
    if (child?.pid !== undefined) {
      const tree = treeOf(child.pid);
      for (const p of tree) killQuietly(p);
      for (const p of tree) await waitGone(p, 5000);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    if (wrotePasswd) fs.rmSync(`/etc/netns/${netns}/passwd`, { force: true });
  };

  try {
    const hostKey = makeKey(path.join(dir, "host_key"));
    const clientKeyPath = options.clientKeyPath ?? path.join(dir, "client_key");
    if (!options.clientKeyPath) makeKey(clientKeyPath);
    fs.copyFileSync(`${clientKeyPath}.pub`, path.join(dir, "authorized_keys"));
    const conf = path.join(dir, "sshd_config");
    fs.writeFileSync(
      conf,
      [
        `Port ${port}`,
        `ListenAddress ${address}`,
        `HostKey ${path.join(dir, "host_key")}`,
        `PidFile ${path.join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
        "StrictModes no", // the keys live under /tmp (world-writable): sshd would refuse them
        "UsePAM no",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        `MaxSessions ${options.maxSessions ?? 10}`,
        "PrintMotd no",
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
    const passwd = fs.readFileSync("/etc/passwd", "utf8").replace(/^(root:[^\n]*:)[^:\n]*$/m, `$1${options.loginShell ?? "/bin/sh"}`);
    fs.mkdirSync(`/etc/netns/${netns}`, { recursive: true });
    fs.writeFileSync(`/etc/netns/${netns}/passwd`, passwd);
    wrotePasswd = true;
    child = spawn("ip", ["netns", "exec", netns, "/usr/sbin/sshd", "-D", "-e", "-f", conf], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => (stderr += d));
    await pollUntil(
      () => {
        if (/Server listening on/.test(stderr)) return true;
        if (child!.exitCode !== null || child!.signalCode !== null) throw new Error(`sshd in ${netns} exited: ${stderr}`);
        return undefined;
      },
      10_000,
      () => `sshd in ${netns} did not start listening: ${stderr}`,
    );

    let relayPort = 0;
    if (!options.noRelay) {
      relay = net.createServer((sock) => {
        relayCount++;
        sock.setNoDelay(true);
        const nc = spawn("ip", ["netns", "exec", netns, "busybox", "nc", address, String(port)], { stdio: ["pipe", "pipe", "ignore"] });
        relayed.add(nc);
        sock.pipe(nc.stdin!);
        nc.stdout!.pipe(sock);
        const end = () => {
          sock.destroy();
          killQuietly(nc.pid);
        };
        sock.on("error", end);
        sock.on("close", end);
        nc.stdin!.on("error", () => undefined);
        nc.on("exit", () => {
          relayed.delete(nc);
          sock.end();
        });
      });
      await new Promise<void>((r) => relay!.listen(0, "127.0.0.1", r));
      relayPort = (relay.address() as net.AddressInfo).port;
    }
    const knownHostsPath = path.join(dir, "known_hosts");
    fs.writeFileSync(knownHostsPath, `[127.0.0.1]:${relayPort} ${hostKey}\n`);
    const pid = child.pid!;
    return {
      netns,
      address,
      port,
      pid,
      hostKey,
      fingerprint: fingerprintOf(path.join(dir, "host_key.pub")),
      clientKeyPath,
      knownHostsPath,
      relayPort,
      dir,
      relayConnections: () => relayCount,
      relayPids: () => [...relayed].map((p) => p.pid!).flatMap((p) => treeOf(p)),
      target: (extra = {}) => ({ host: "127.0.0.1", port: relayPort, user: "root", privateKeyPath: clientKeyPath, knownHostsPath, ...extra }),
      connectionCount: () =>
        sh(["ip", "netns", "exec", netns, "ss", "-tnH", "state", "established", `( sport = :${port} )`])
          .split("\n")
          .filter((l) => l.trim() !== "").length,
      connectionPids: () => childrenOf(pid),
      log: () => stderr,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Stop every server given (each failure-tolerant), for `afterEach`. */
export async function stopAll(servers: Array<Sshd | undefined>): Promise<void> {
  for (const s of servers.splice(0)) await s?.stop().catch(() => undefined);
}

/** True while sshd's listener runs. */
export function sshdRunning(s: Sshd): boolean {
  return isLive(s.pid);
}
