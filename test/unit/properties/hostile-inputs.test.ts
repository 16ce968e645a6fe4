/**
 * Issue 12, bad input: hand-picked hostile or wrong inputs across every kind. Each fails at check with the property
 * path and a reason a person can act on, and nothing runs on the host (check goes through the provider with a strict
 * fake runner: any command would throw). Figures go to the reliability report.
 */
import { makeProvider, type ResourceKind } from "../../../provider/kinds";
import { FakeRunner } from "../../support/fake-runner";
import { testContext } from "../../support/provider-harness";
import { record } from "../../support/reliability";

type Row = [string, Record<string, unknown>, string, RegExp];
const long = (n: number) => "x".repeat(n);
const VM = { name: "vm1", nics: [] };
const FWD = { vm: "vm1", hostPort: 2222, guestPort: 22 };

const VX = { vni: 42, localAddress: "10.0.0.1", remotes: ["10.0.0.2"], bridge: "br0" };
const DHCP = { name: "d1", bridge: "br0", range: { start: "10.0.0.2", end: "10.0.0.9" } };

const ROWS: Record<ResourceKind, Row[]> = {
  NetworkNamespace: [
    ["path traversal", { name: "../etc" }, "name", /letters, digits/],
    ["dot-dot", { name: ".." }, "name", /'\.\.'/],
    ["slash", { name: "a/b" }, "name", /file name under \/run\/netns/],
    ["newline", { name: "a\nb" }, "name", /letters, digits/],
    ["too long", { name: long(65) }, "name", /at most 64/],
    ["adopt as string", { name: "lab", adopt: "yes" }, "adopt", /Expected boolean/],
    ["unknown key", { name: "lab", hosts: {} }, "(inputs)", /Unrecognized key/],
  ],
  VxlanTunnel: [
    ["vni 0", { ...VX, vni: 0 }, "vni", /from 1 to 16777215/],
    ["vni over 24 bits", { ...VX, vni: 16777216 }, "vni", /from 1 to 16777215/],
    ["localAddress IPv6", { ...VX, localAddress: "fd00::1" }, "localAddress", /IPv4 address/],
    ["localAddress zero-padded (octal to ip)", { ...VX, localAddress: "10.0.0.01" }, "localAddress", /without leading zeros/],
    ["remote multicast", { ...VX, remotes: ["239.1.1.1"] }, "remotes[0]", /unicast/],
    ["remote with shell text", { ...VX, remotes: ["10.0.0.2; reboot"] }, "remotes[0]", /IPv4 address/],
    ["duplicate remote", { ...VX, remotes: ["10.0.0.2", "10.0.0.2"] }, "remotes[1]", /duplicates remotes\[0\]/],
    ["remote is localAddress", { ...VX, remotes: ["10.0.0.1"] }, "remotes[0]", /is localAddress/],
    ["port 0", { ...VX, port: 0 }, "port", /between 1 and 65535/],
    ["name with newline", { ...VX, name: "vx\n0" }, "name", /may contain only/],
    ["bridge is the tunnel", { ...VX, name: "vx0", bridge: "vx0" }, "bridge", /must differ from name/],
    ["mtu 67", { ...VX, mtu: 67 }, "mtu", /from 68 to 65535/],
  ],
  Bridge: [
    ["name too long", { name: long(16) }, "name", /at most 15/],
    ["name with space", { name: "br 0" }, "name", /no '\/', ':', whitespace/],
    ["name all", { name: "all" }, "name", /reserved/],
    ["name default", { name: "default" }, "name", /reserved/],
    ["name colon", { name: "br:0" }, "name", /no '\/', ':'/],
    ["zero-padded prefix (octal to ip)", { name: "br0", addresses: ["10.1.0.1/024"] }, "addresses[0]", /without leading zeros/],
    ["prefix too long", { name: "br0", addresses: ["10.0.0.1/33"] }, "addresses[0]", /0 to 32 for IPv4/],
    ["shell text in an address", { name: "br0", addresses: ["1.2.3.4/24; reboot"] }, "addresses[0]", /prefix length/],
    ["IPv4-mapped IPv6", { name: "br0", addresses: ["::ffff:1.2.3.4/96"] }, "addresses[0]", /IPv4-mapped/],
    ["duplicate address", { name: "br0", addresses: ["10.0.0.1/24", "10.0.0.1/24"] }, "addresses[1]", /duplicates addresses\[0\]/],
    ["mtu 0", { name: "br0", mtu: 0 }, "mtu", /from 68 to 65535/],
    ["mtu fractional", { name: "br0", mtu: 1500.5 }, "mtu", /whole number/],
    ["IPv6 with small mtu", { name: "br0", mtu: 1000, addresses: ["fd00::1/64"] }, "mtu", /at least 1280/],
    ["multicast MAC", { name: "br0", macAddress: "01:00:5e:00:00:01" }, "macAddress", /unicast/],
    ["MAC with dashes", { name: "br0", macAddress: "52-54-00-12-34-56" }, "macAddress", /MAC address like/],
    ["relative stateDir", { name: "br0", host: { stateDir: "var/lib" } }, "host.stateDir", /absolute/],
    ["stateDir with ..", { name: "br0", host: { stateDir: "/var/../etc" } }, "host.stateDir", /'\.\.'/],
    ["netns traversal", { name: "br0", host: { netns: "../x" } }, "host.netns", /letters, digits/],
    ["10,000 addresses", { name: "br0", addresses: Array.from({ length: 10_000 }, (_, i) => `10.${i >> 8}.${i & 255}.1/32`) }, "addresses", /at most 256/],
    // Issue 15: host.ssh (a remote machine) is hostile input too.
    ["ssh host neither name nor address", { name: "br0", host: { ssh: { host: "hv2;reboot" } } }, "host.ssh.host", /hostname .* or an IP address/],
    ["ssh host with a leading dash (an ssh option)", { name: "br0", host: { ssh: { host: "-oProxyCommand=x" } } }, "host.ssh.host", /hostname/],
    ["ssh host a bad dotted quad", { name: "br0", host: { ssh: { host: "10.0.0.256" } } }, "host.ssh.host", /hostname/],
    ["ssh port 0", { name: "br0", host: { ssh: { host: "hv2", port: 0 } } }, "host.ssh.port", /between 1 and 65535/],
    ["ssh port 70000", { name: "br0", host: { ssh: { host: "hv2", port: 70000 } } }, "host.ssh.port", /between 1 and 65535/],
    ["ssh relative key path", { name: "br0", host: { ssh: { host: "hv2", privateKeyPath: "id_ed25519" } } }, "host.ssh.privateKeyPath", /absolute/],
    ["ssh relative known_hosts", { name: "br0", host: { ssh: { host: "hv2", knownHostsPath: "~/.ssh/known_hosts" } } }, "host.ssh.knownHostsPath", /absolute/],
    ["ssh hostKey without type", { name: "br0", host: { ssh: { host: "hv2", hostKey: "AAAAC3NzaC1lZDI1NTE5AAAAIA" } } }, "host.ssh.hostKey", /ssh-ed25519 AAAAC3Nza/],
    ["ssh hostKey a fingerprint", { name: "br0", host: { ssh: { host: "hv2", hostKey: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU" } } }, "host.ssh.hostKey", /public key line/],
    ["ssh hostKey type and blob disagree", { name: "br0", host: { ssh: { host: "hv2", hostKey: "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" } } }, "host.ssh.hostKey", /does not hold a ssh-rsa key/],
    ["ssh user with shell text", { name: "br0", host: { ssh: { host: "hv2", user: "root;id" } } }, "host.ssh.user", /login name/],
    ["ssh key and agent both", { name: "br0", host: { ssh: { host: "hv2", privateKeyPath: "/k", agent: true } } }, "host.ssh.agent", /either privateKeyPath or agent/],
    ["ssh accept-any option", { name: "br0", host: { ssh: { host: "hv2", strictHostKeyChecking: false } } }, "host.ssh", /Unrecognized key/],
    ["ssh jump host port", { name: "br0", host: { ssh: { host: "hv2", jumpHost: { host: "j", port: -1 } } } }, "host.ssh.jumpHost.port", /between 1 and 65535/],
  ],
  BridgeAcl: [
    ["confPath /etc/sudoers", { bridge: "br0", confPath: "/etc/sudoers" }, "confPath", /\.conf file/],
    ["confPath relative", { bridge: "br0", confPath: "bridge.conf" }, "confPath", /absolute/],
    ["confPath with ..", { bridge: "br0", confPath: "/etc/qemu/../shadow.conf" }, "confPath", /'\.\.'/],
    ["confPath with a space", { bridge: "br0", confPath: "/etc/qemu/my bridge.conf" }, "confPath", /spaces or tabs/],
    ["confPath a directory", { bridge: "br0", confPath: "/etc/qemu/" }, "confPath", /name a file/],
    ["confPath with newline", { bridge: "br0", confPath: "/etc/qemu/a\nb.conf" }, "confPath", /newline/],
    ["bridge with a space (another rule)", { bridge: "br0 deny" }, "bridge", /whitespace/],
    ["bridge with a comment", { bridge: "br0#x" }, "bridge", /letters, digits/],
    ["bridge too long", { bridge: long(16) }, "bridge", /at most 15/],
    ["action permit", { bridge: "br0", action: "permit" }, "action", /"allow" or "deny"/],
    ["name with newline (written in a comment)", { bridge: "br0", name: "a\nallow all" }, "name", /letters, digits/],
    ["confPath of 1 MB", { bridge: "br0", confPath: "/" + long(1_000_000) + ".conf" }, "confPath", /PATH_MAX/],
  ],
  PhysicalPortAttachment: [
    ["missing port", { bridge: "br0" }, "port", /required: the interface to enslave/],
    ["missing bridge", { port: "eno1" }, "bridge", /required: the bridge/],
    ["port equals bridge", { bridge: "br0", port: "br0" }, "port", /must differ from bridge/],
    ["port with slash", { bridge: "br0", port: "eno/1" }, "port", /no '\/'/],
    ["port too long", { bridge: "br0", port: long(16) }, "port", /at most 15/],
    ["moveAddresses as number", { bridge: "br0", port: "eno1", moveAddresses: 1 }, "moveAddresses", /Expected boolean/],
    ["bridge as number", { bridge: 7, port: "eno1" }, "bridge", /Expected string/],
  ],
  VethPair: [
    ["peer name missing", { name: "va0" }, "peerName", /Required/],
    ["peer name all", { name: "va0", peerName: "all" }, "peerName", /reserved/],
    ["name too long", { name: long(16), peerName: "vb0" }, "name", /at most 15/],
    ["peer netns traversal", { name: "va0", peerName: "vb0", peerNetns: "../../x" }, "peerNetns", /letters, digits/],
    ["peer name with newline", { name: "va0", peerName: "v\nb" }, "peerName", /whitespace or newline/],
    ["up as string", { name: "va0", peerName: "vb0", up: "true" }, "up", /Expected boolean/],
    ["unknown key", { name: "va0", peerName: "vb0", mtu: 9000 }, "(inputs)", /Unrecognized key/],
  ],
  PortForward: [
    ["port 0", { ...FWD, hostPort: 0 }, "hostPort", /between 1 and 65535/],
    ["port 65536", { ...FWD, guestPort: 65536 }, "guestPort", /between 1 and 65535/],
    ["port as string", { ...FWD, hostPort: "2222" }, "hostPort", /port number/],
    ["fractional port", { ...FWD, hostPort: 22.5 }, "hostPort", /whole number/],
    ["HMP injection in hostAddress", { ...FWD, hostAddress: "127.0.0.1 info" }, "hostAddress", /IPv4/],
    ["zero-padded octet", { ...FWD, hostAddress: "127.000.0.1" }, "hostAddress", /without leading zeros/],
    ["host name instead of address", { ...FWD, hostAddress: "localhost" }, "hostAddress", /IPv4/],
    ["IPv6 guest address", { ...FWD, guestAddress: "::1" }, "guestAddress", /IPv4/],
    ["netdev with a space (HMP)", { ...FWD, netdev: "net0 tcp::1-:2" }, "netdev", /netdev id/],
    ["vm traversal", { ...FWD, vm: "../../etc" }, "vm", /so never '\.' or '\.\.'/],
    ["vm missing", { hostPort: 1, guestPort: 2 }, "vm", /is required/],
    ["protocol sctp", { ...FWD, protocol: "sctp" }, "protocol", /"tcp" or "udp"/],
    ["socket path over the limit", { ...FWD, host: { stateDir: "/" + long(95) } }, "vm", /unix socket limit of 107/],
  ],
  DhcpServer: [
    ["range end before start", { ...DHCP, range: { start: "10.0.0.9", end: "10.0.0.2" } }, "range.end", /must not precede range.start/],
    ["range outside the network", { ...DHCP, network: "10.1.0.0/24" }, "range.start", /outside|inside|network/],
    ["leaseTime 0", { ...DHCP, leaseTime: 0 }, "leaseTime", /from 120/],
    ["config injection via bridge", { ...DHCP, bridge: "b\nuser=root" }, "bridge", /may contain only/],
    ["hostname with a comma", { ...DHCP, staticLeases: [{ mac: "52:54:00:00:00:01", ip: "10.0.0.5", hostname: "a,ignore" }] }, "staticLeases[0].hostname", /DNS label/],
    ["two leases, one MAC", { ...DHCP, staticLeases: [{ mac: "52:54:00:00:00:01", ip: "10.0.0.5" }, { mac: "52:54:00:00:00:01", ip: "10.0.0.6" }] }, "staticLeases[1].mac", /duplicate|already/],
    ["stateDir with a space", { ...DHCP, host: { stateDir: "/var/lib/a b" } }, "host.stateDir", /dnsmasq's config file syntax/],
  ],
  NetworkNat: [
    ["source with host bits", { name: "n", sourceCidr: "192.168.122.1/24" }, "sourceCidr", /host bits set: write 192\.168\.122\.0\/24/],
    ["IPv6 source", { name: "n", sourceCidr: "fd00::/64" }, "sourceCidr", /IPv4 network/],
    ["malformed CIDR", { name: "n", sourceCidr: "192.168.122.0/024" }, "sourceCidr", /leading zeros/],
    ["nft injection in outInterface", { name: "n", sourceCidr: "10.0.0.0/8", outInterface: 'x" accept' }, "outInterface", /may contain only/],
    ["same host port twice", { name: "n", sourceCidr: "10.0.0.0/8", forwards: [{ protocol: "tcp", hostPort: 1, toAddress: "10.0.0.2", toPort: 1 }, { protocol: "tcp", hostPort: 1, toAddress: "10.0.0.3", toPort: 1 }] }, "forwards[1].hostPort", /already forwarded/],
    ["loopback hostAddress", { name: "n", sourceCidr: "10.0.0.0/8", forwards: [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 1, toAddress: "10.0.0.2", toPort: 1 }] }, "forwards[0].hostAddress", /loopback/],
  ],
  QemuVm: [
    ["name with comma (splits -name)", { ...VM, name: "a,b" }, "name", /letters, digits/],
    ["name traversal", { ...VM, name: "../x" }, "name", /starting with a letter or digit/],
    ["name too long", { ...VM, name: long(64) }, "name", /1–63/],
    ["memory 1 MiB", { ...VM, memoryMiB: 1 }, "memoryMiB", /at least 16/],
    ["memory fractional", { ...VM, memoryMiB: 512.5 }, "memoryMiB", /integer/],
    ["cpus 0", { ...VM, cpus: 0 }, "cpus", /at least 1/],
    ["accel hvf", { ...VM, accel: "hvf" }, "accel", /Invalid enum value/],
    ["machine with comma options", { ...VM, machine: "pc,accel=kvm" }, "machine", /machine type/],
    ["kernel relative", { ...VM, kernel: "vmlinuz" }, "kernel", /absolute/],
    ["initrd without kernel", { ...VM, initrd: "/boot/initrd" }, "initrd", /needs `kernel`/],
    ["kernelArgs with newline", { ...VM, kernel: "/k", kernelArgs: "a\nb" }, "kernelArgs", /NUL or newline/],
    ["disk relative", { ...VM, disks: [{ path: "disk.qcow2" }] }, "disks[0].path", /absolute/],
    ["disk format vpc", { ...VM, disks: [{ path: "/d", format: "vpc" }] }, "disks[0].format", /Invalid enum value/],
    ["NIC type tap", { ...VM, nics: [{ type: "tap" }] }, "nics[0].type", /Invalid discriminator/],
    ["NIC model ne2k", { ...VM, nics: [{ type: "user", model: "ne2k" }] }, "nics[0].model", /Invalid enum value/],
    ["multicast NIC MAC", { ...VM, nics: [{ type: "user", mac: "01:00:5e:00:00:01" }] }, "nics[0].mac", /unicast/],
    ["duplicate NIC ids", { ...VM, nics: [{ type: "user", id: "n" }, { type: "user", id: "n" }] }, "nics[1].id", /duplicates the id/],
    ["duplicate forward ports", { ...VM, nics: [{ type: "user", hostForwards: [{ hostPort: 1, guestPort: 2 }, { hostPort: 1, guestPort: 3 }] }] }, "nics[0].hostForwards[1].hostPort", /already forwarded/],
    ["helper with a space (sh -c)", { ...VM, nics: [{ type: "bridge", bridge: "br0", helper: "/usr/lib/qemu/x y" }] }, "nics[0].helper", /sh -c/],
    ["5,000 NICs", { ...VM, nics: Array.from({ length: 5000 }, () => ({ type: "user" })) }, "nics", /at most 28/],
    ["stopTimeoutSeconds negative", { ...VM, stopTimeoutSeconds: -1 }, "stopTimeoutSeconds", /0–3600/],
    ["kernel path of 1 MB", { ...VM, kernel: "/" + long(1_000_000) }, "kernel", /PATH_MAX/],
  ],
};

const all = Object.entries(ROWS).flatMap(([kind, rows]) => rows.map((r) => [kind as ResourceKind, ...r] as const));

const refused = new Map<string, number>();
afterAll(() => {
  for (const [kind, rows] of Object.entries(ROWS)) record({ section: "bad-input", subject: kind, tried: rows.length, rejected: refused.get(kind) ?? 0 });
});

test("at least 80 hostile inputs, every kind covered", () => {
  expect(all.length).toBeGreaterThanOrEqual(80);
  expect(Object.values(ROWS).every((rows) => rows.length > 0)).toBe(true);
});

test.each(all)("%s: %s is refused at check with its path, and nothing runs on the host", async (kind, _name, news, property, reason) => {
  const runner = new FakeRunner(true); // strict: any command would throw
  const r = await makeProvider(kind, testContext(runner)).check!({}, { ...news, __resourceName: "hostile" });
  const hit = (r.failures ?? []).find((f) => f.property === property);
  expect({ property: hit?.property, reason: hit?.reason }).toEqual({ property, reason: expect.stringMatching(reason) });
  expect(runner.commands()).toEqual([]);
  refused.set(kind, (refused.get(kind) ?? 0) + 1); // counted only once both held
});
