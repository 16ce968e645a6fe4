/**
 * Baseline for the NatNetwork row: the same NAT network as bench/programs/nat-network, written as the shell script a
 * person would write (bridge with `ip`, an `allow` line in bridge.conf, a dnsmasq config and hosts files written with
 * cat/printf, dnsmasq started in the namespace, one `nft -f` table, ip_forward on), its read-back and its teardown.
 * Scripts are lists of steps, each with the processes it starts, so counts are exact. Pure; run with `runScript`.
 */
import { NAT_TABLE_PREFIX } from "../../provider/host/nft/nat-model";
import { labAclPath } from "../lab-spec";

/** The network's bridge, its address and the masqueraded network (as the program has them). */
export const NAT_BRIDGE = "qlnat0";
export const NAT_ADDRESS = "192.168.122.1/24";
export const NAT_SOURCE = "192.168.122.0/24";
/** The shell baseline's nftables table (a NetworkNat-style name, so one check fits both). */
export const NAT_SHELL_TABLE = `${NAT_TABLE_PREFIX}shell`;

/** One static lease and its forward: vm<i> at 192.168.122.<10+i>, host port 20000+i → its port 22. */
export interface NatLease {
  mac: string;
  ip: string;
  hostname: string;
  hostPort: number;
}

const hex = (b: number) => b.toString(16).padStart(2, "0");

/** Lease `i` of the lab (same formula as the program). Pure. */
export function natLease(i: number): NatLease {
  return { mac: `52:54:00:00:${hex(i >> 8)}:${hex(i & 255)}`, ip: `192.168.122.${10 + i}`, hostname: `vm${i}`, hostPort: 20000 + i };
}

/** Every lease of a lab with `n` leases. Pure. */
export function natLeases(n: number): NatLease[] {
  return Array.from({ length: n }, (_, i) => natLease(i));
}

/** A script step: shell text (may span lines, e.g. a heredoc) and how many processes it starts. */
export interface ScriptStep {
  text: string;
  processes: number;
}

/** The script of a list of steps. Pure. */
export function scriptOf(steps: readonly ScriptStep[]): string {
  return ["set -e", ...steps.map((s) => s.text)].join("\n") + "\n";
}

/** Processes a list of steps starts. Pure. */
export function stepProcesses(steps: readonly ScriptStep[]): number {
  return steps.reduce((a, s) => a + s.processes, 0);
}

const run = (text: string): ScriptStep => ({ text, processes: 1 });
const builtin = (text: string): ScriptStep => ({ text, processes: 0 });

/** Where the shell baseline keeps dnsmasq's files (`dir`: one per trial, mode 0755 so user dnsmasq reads them). */
export function natShellFiles(dir: string): { conf: string; pid: string; leases: string; hosts: string; names: string; log: string } {
  return { conf: `${dir}/dnsmasq.conf`, pid: `${dir}/dnsmasq.pid`, leases: `${dir}/leases`, hosts: `${dir}/hosts`, names: `${dir}/names`, log: `${dir}/dnsmasq.log` };
}

/** The dnsmasq config the script writes (the options a libvirt-like network needs). Pure. */
export function natShellDnsmasqConf(dir: string): string {
  const f = natShellFiles(dir);
  return [
    "user=dnsmasq",
    `interface=${NAT_BRIDGE}`,
    "except-interface=lo",
    "bind-dynamic",
    "no-resolv",
    "no-hosts",
    `dhcp-leasefile=${f.leases}`,
    `dhcp-hostsfile=${f.hosts}`,
    `addn-hosts=${f.names}`,
    `log-facility=${f.log}`,
    "dhcp-range=192.168.122.2,192.168.122.254,3600",
    "dhcp-option=option:router,192.168.122.1",
    "domain=lab",
    "local=/lab/",
    "expand-hosts",
  ].join("\n");
}

/**
 * The nft file, the rules NetworkNat writes: each forward in prerouting and output (never from 127/8), and libvirt's
 * masquerade (multicast/broadcast left alone, tcp/udp to unprivileged ports, the rest, then hairpin). Pure.
 */
export function natShellNft(n: number): string {
  const dnat = (l: NatLease) => `\t\tfib daddr type local ip daddr != 127.0.0.0/8 tcp dport ${l.hostPort} dnat to ${l.ip}:22\n`;
  const net = NAT_SOURCE;
  const postrouting = [
    `ip saddr ${net} ip daddr { 224.0.0.0/24, 255.255.255.255 } return`,
    `ip saddr ${net} ip daddr != ${net} meta l4proto { tcp, udp } masquerade to :1024-65535`,
    `ip saddr ${net} ip daddr != ${net} masquerade`,
    `ip saddr ${net} ip daddr ${net} ct status dnat masquerade`,
  ].map((r) => `\t\t${r}\n`).join("");
  const leases = natLeases(n);
  return (
    `table ip ${NAT_SHELL_TABLE} {\n` +
    `\tchain prerouting {\n\t\ttype nat hook prerouting priority -100; policy accept;\n${leases.map(dnat).join("")}\t}\n` +
    `\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n${leases.map(dnat).join("")}\t}\n` +
    `\tchain postrouting {\n\t\ttype nat hook postrouting priority 100; policy accept;\n${postrouting}\t}\n` +
    "}"
  );
}

/** Steps that build the NAT network with `n` leases in a new namespace `netns`, dnsmasq's files in `dir`. Pure. */
export function natShellUpSteps(netns: string, n: number, dir: string): ScriptStep[] {
  const ip = `ip -n ${netns}`;
  const f = natShellFiles(dir);
  const leases = natLeases(n);
  const quoted = (lines: string[]) => lines.map((l) => `'${l}'`).join(" ");
  return [
    run(`ip netns add ${netns}`),
    run(`${ip} link set lo up`),
    run(`${ip} link add name ${NAT_BRIDGE} type bridge`),
    run(`${ip} addr add ${NAT_ADDRESS} dev ${NAT_BRIDGE}`),
    run(`${ip} link set dev ${NAT_BRIDGE} up`),
    run(`mkdir -p /etc/qemu /etc/netns/${netns}/qemu ${dir}`),
    builtin(`echo 'allow ${NAT_BRIDGE}' >> ${labAclPath(netns)}`),
    run(`cat > ${f.conf} <<'EOF'\n${natShellDnsmasqConf(dir)}\nEOF`),
    builtin(`printf '%s\\n' ${quoted(leases.map((l) => `${l.mac},${l.ip},${l.hostname}`))} > ${f.hosts}`),
    builtin(`printf '%s\\n' ${quoted(leases.map((l) => `${l.ip} ${l.hostname}`))} > ${f.names}`),
    run(`ip netns exec ${netns} dnsmasq --conf-file=${f.conf} --pid-file=${f.pid}`),
    run(`ip netns exec ${netns} nft -f - <<'EOF'\n${natShellNft(n)}\nEOF`),
    run(`ip netns exec ${netns} sysctl -qw net.ipv4.ip_forward=1`),
  ];
}

/** Steps that read the network back: the NAT table, the lease file, the links and addresses. Pure. */
export function natShellReadSteps(netns: string, dir: string): ScriptStep[] {
  return [run(`ip netns exec ${netns} nft -j list table ip ${NAT_SHELL_TABLE}`), run(`cat ${natShellFiles(dir).leases}`), run(`ip -n ${netns} -j -d addr show`)];
}

/**
 * Steps that tear it down: stop dnsmasq by its pidfile (`kill` is a builtin, `cat` a process; no waiting for it to
 * exit, as a person would write it), delete the table and the bridge, remove the files and the namespace. Pure.
 */
export function natShellDestroySteps(netns: string, dir: string): ScriptStep[] {
  const f = natShellFiles(dir);
  return [
    run(`kill $(cat ${f.pid})`),
    run(`ip netns exec ${netns} nft delete table ip ${NAT_SHELL_TABLE}`),
    run(`ip -n ${netns} link del ${NAT_BRIDGE}`),
    run(`rm -rf ${dir} /etc/netns/${netns}`),
    run(`ip netns delete ${netns}`),
  ];
}
