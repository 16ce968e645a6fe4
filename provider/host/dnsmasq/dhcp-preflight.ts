import type { Host } from "../host";
import { existingDirChain, type DirEntryStat } from "../files/private-dir";
import { PreflightError, type PreflightProblem } from "../preflight-error";
import { isFailure } from "../runner/command-error";
import { ipv4InNetwork, ipv4NetworkOf } from "../ip/ipv4";
import { DNSMASQ_BINARY, DNSMASQ_USER, type DhcpSpec } from "./dnsmasq-config";
import type { DhcpPaths } from "./dhcp-paths";
import { conflictingDhcpListeners, conflictingDnsListeners, readListeners, type Listener } from "./dnsmasq-process";

/** Thrown before dnsmasq is started: every problem found, each with its fix. */
export class DhcpPreflightError extends PreflightError {
  constructor(problems: PreflightProblem[]) {
    super(problems, "dnsmasq");
    this.name = "DhcpPreflightError";
  }
}

/**
 * The first directory user `uid` (dnsmasq after dropping root) cannot pass through, or undefined. dnsmasq reads the
 * hosts files as that user at start and on every SIGHUP, so each directory from `/` down must let others search it
 * (`o+x`), unless that user owns it. Pure.
 */
export function untraversableDir(chain: readonly DirEntryStat[], uid: number): DirEntryStat | undefined {
  return chain.find((d) => (d.uid === uid ? (d.mode & 0o100) === 0 : (d.mode & 0o001) === 0));
}

/** The uid of `user` in /etc/passwd text, or undefined. Pure. */
export function uidOf(passwd: string, user: string): number | undefined {
  const line = passwd.split("\n").find((l) => l.startsWith(`${user}:`));
  const uid = line?.split(":")[2];
  return uid !== undefined && /^\d+$/.test(uid) ? Number(uid) : undefined;
}

/**
 * What would make our dnsmasq fail or serve nobody, found before it starts: the bridge missing in the namespace or
 * without an IPv4 address for the range, dnsmasq or its user missing, a state directory its unprivileged user cannot
 * reach, another DHCP server already on that bridge (port 67), another DNS server on its addresses (port 53). Reads
 * only. `ours`: our own dnsmasq (update).
 */
export async function diagnoseDhcp(host: Host, spec: DhcpSpec, paths: DhcpPaths, ours: readonly number[] = []): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  const where = host.netns ? `network namespace "${host.netns}"` : "the root network namespace";
  const inNs = host.netns ? `ip netns exec ${host.netns} ` : "";

  const link = (await host.freshLinks()).get(spec.bridge);
  const bridgeAddresses = link?.addr_info.filter((a) => a.family === "inet").map((a) => a.local) ?? [];
  if (!link)
    problems.push({ property: "bridge", what: `"${spec.bridge}" does not exist in ${where}`, fix: `create it first (a Bridge resource named "${spec.bridge}" with the same host) and make this DhcpServer depend on it` });
  else {
    const nets = link.addr_info.filter((a) => a.family === "inet").map((a) => ipv4NetworkOf(`${a.local}/${a.prefixlen}`));
    const covers = nets.some((n) => !("error" in n) && ipv4InNetwork(spec.range.start, n) && ipv4InNetwork(spec.range.end, n));
    if (!covers)
      problems.push({
        property: "range",
        what: `"${spec.bridge}" has no IPv4 address in the network of ${spec.range.start}–${spec.range.end} (it has ${link.addr_info.filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`).join(", ") || "none"}), so dnsmasq would answer no DHCP request on it`,
        fix: `give the bridge an address in that network (Bridge \`addresses\`, e.g. the router's address with its prefix length)`,
      });
  }

  try {
    await host.runner.run([DNSMASQ_BINARY, "--version"], { timeoutMs: 10_000 });
  } catch (e) {
    if (!isFailure(e, "missing-command")) throw e;
    problems.push({ property: "host", what: "dnsmasq is not installed (not found on PATH)", fix: "apt-get install dnsmasq-base (dnsmasq without its system service)" });
  }

  const uid = uidOf((await host.files.readText("/etc/passwd")) ?? "", DNSMASQ_USER);
  if (uid === undefined)
    problems.push({ property: "host", what: `the user "${DNSMASQ_USER}" dnsmasq drops root privileges to does not exist`, fix: `apt-get install dnsmasq-base (its postinst creates it), or useradd --system --no-create-home ${DNSMASQ_USER}` });
  else if (host.files.stat) {
    // The real path: the kernel checks the directories a symlinked stateDir resolves to.
    const blocked = untraversableDir(await existingDirChain(host.files, await host.files.realPath(paths.dir)), uid);
    if (blocked)
      problems.push({
        property: "host.stateDir",
        what: `dnsmasq reads ${paths.hostsFile} as user "${DNSMASQ_USER}" (after dropping root), but ${blocked.path} (mode ${(blocked.mode & 0o7777).toString(8)}) does not let other users through`,
        fix: `chmod o+x ${blocked.path} (the DHCP files hold MACs, addresses and names, no secrets), or use a stateDir whose every parent others may traverse`,
      });
  }

  const holders = (c: Listener) => c.processes.map((p) => `${p.name} (pid ${p.pid})`).join(", ") || "a process";
  const socket = (c: Listener, port: number) => `${c.address}${c.device ? `%${c.device}` : ""}:${port}`;
  for (const c of conflictingDhcpListeners(await readListeners(host, 67), spec.bridge, ours))
    problems.push({
      property: "bridge",
      what: `UDP port 67 (DHCP) is already bound on "${spec.bridge}" in ${where} by ${holders(c)} (${socket(c, 67)})`,
      fix: `stop that DHCP server (${inNs}ss -lnup 'sport = :67' names it), or serve another bridge: two DHCP servers on one bridge hand out conflicting leases`,
    });
  // dnsmasq also serves DNS on the bridge's addresses and exits ("failed to create listening socket") when it cannot.
  for (const c of conflictingDnsListeners(await readListeners(host, 53, true), spec.bridge, bridgeAddresses, ours))
    problems.push({
      property: "bridge",
      what: `port 53 (DNS) is already bound on an address of "${spec.bridge}" in ${where} by ${holders(c)} (${socket(c, 53)}), so dnsmasq could not serve DNS there and would exit`,
      fix: `stop that DNS server or bind it to other addresses (${inNs}ss -lntup 'sport = :53' names it), or serve another bridge`,
    });
  return problems;
}
