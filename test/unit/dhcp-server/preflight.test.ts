import { conflictingDhcpListeners, conflictingDnsListeners, parseListeners } from "../../../provider/host/dnsmasq/dnsmasq-process";
import { uidOf, untraversableDir } from "../../../provider/host/dnsmasq/dhcp-preflight";

describe("DhcpServer preflight rules", () => {
  const SS = [
    'UNCONN 0      0                             10.9.0.1:53 0.0.0.0:* users:(("dnsmasq",pid=13141,fd=6))',
    'UNCONN 0      0                          0.0.0.0%br0:67 0.0.0.0:* users:(("dnsmasq",pid=13434,fd=4))',
    'UNCONN 0      0                          0.0.0.0%br1:67 0.0.0.0:* users:(("dnsmasq",pid=13141,fd=4))',
    'UNCONN 0      0                              0.0.0.0:67 0.0.0.0:* users:(("dhcpd",pid=77,fd=3),("dhcpd",pid=78,fd=3))',
    "UNCONN 0      0                          10.0.0.1:6767 0.0.0.0:*",
  ].join("\n");

  test("ss -Hlnup: port-67 sockets with their device and processes", () => {
    expect(parseListeners(SS, 67)).toEqual([
      { address: "0.0.0.0", device: "br0", processes: [{ name: "dnsmasq", pid: 13434 }] },
      { address: "0.0.0.0", device: "br1", processes: [{ name: "dnsmasq", pid: 13141 }] },
      { address: "0.0.0.0", processes: [{ name: "dhcpd", pid: 77 }, { name: "dhcpd", pid: 78 }] },
    ]);
    expect(parseListeners("", 67)).toEqual([]);
  });

  test.each<[string, string, number[], number[]]>([
    ["another dnsmasq on the bridge, and a wildcard server", "br0", [], [13434, 77]],
    ["our own dnsmasq does not count", "br0", [13434], [77]],
    ["a server on another bridge does not conflict", "br2", [], [77]],
  ])("conflicts: %s", (_t, bridge, ours, pids) => {
    expect(conflictingDhcpListeners(parseListeners(SS, 67), bridge, ours).map((l) => l.processes[0]!.pid)).toEqual(pids);
  });

  /** `ss -Hlntup sport = :53`: with -t and -u ss adds the Netid column. */
  const SS53 = [
    'udp   UNCONN 0      0                10.9.0.1:53        0.0.0.0:*    users:(("dnsmasq",pid=13141,fd=6))',
    'tcp   LISTEN 0      32               10.9.0.1:53        0.0.0.0:*    users:(("dnsmasq",pid=13141,fd=7))',
    'udp   UNCONN 0      0              127.0.0.53%lo:53     0.0.0.0:*    users:(("systemd-resolve",pid=500,fd=13))',
    'udp   UNCONN 0      0                 0.0.0.0%br3:53    0.0.0.0:*    users:(("named",pid=600,fd=5))',
    'tcp   LISTEN 0      10                      *:53              *:*    users:(("unbound",pid=700,fd=4))',
    'udp   UNCONN 0      0               [fe80::1]%br0:53       [::]:*    users:(("dnsmasq",pid=13141,fd=8))',
    'udp   UNCONN 0      0                10.9.0.1:5353      0.0.0.0:*    users:(("avahi",pid=800,fd=3))',
  ].join("\n");

  test("ss -Hlntup: port-53 sockets, TCP and UDP", () => {
    expect(parseListeners(SS53, 53).map((l) => [l.address, l.device, l.processes[0]!.pid])).toEqual([
      ["10.9.0.1", undefined, 13141], ["10.9.0.1", undefined, 13141], ["127.0.0.53", "lo", 500], ["0.0.0.0", "br3", 600], ["*", undefined, 700], ["[fe80::1]", "br0", 13141],
    ]);
  });

  test.each<[string, string, string[], number[], number[]]>([
    ["a server on the bridge's address, and a wildcard one", "br0", ["10.9.0.1"], [], [13141, 13141, 700]],
    ["our own dnsmasq does not count", "br0", ["10.9.0.1"], [13141], [700]],
    ["the bridge's addresses are free: only the wildcard", "br0", ["10.8.0.1"], [], [700]],
    ["a wildcard bound to this bridge counts, one bound to another does not", "br3", ["10.3.0.1"], [], [600, 700]],
  ])("DNS conflicts: %s", (_t, bridge, addresses, ours, pids) => {
    expect(conflictingDnsListeners(parseListeners(SS53, 53), bridge, addresses, ours).map((l) => l.processes[0]!.pid)).toEqual(pids);
  });

  test.each<[string, Array<[string, number, number]>, string | undefined]>([
    ["every directory searchable by others", [["/", 0, 0o40755], ["/var", 0, 0o40755], ["/var/lib/qemu-lab", 0, 0o40755]], undefined],
    ["a 0700 state dir (mkdtemp, or a QemuVm's mkdir -p)", [["/", 0, 0o40755], ["/tmp", 0, 0o41777], ["/tmp/lab", 0, 0o40700]], "/tmp/lab"],
    ["0711 is enough (search, not list)", [["/", 0, 0o40755], ["/srv", 0, 0o40711]], undefined],
    ["a directory the user owns needs its owner x bit", [["/", 0, 0o40755], ["/home/d", 999, 0o40700]], undefined],
    ["…and without it is blocked", [["/", 0, 0o40755], ["/home/d", 999, 0o40600]], "/home/d"],
  ])("traversal by dnsmasq's user: %s", (_t, chain, blocked) => {
    expect(untraversableDir(chain.map(([p, uid, mode]) => ({ path: p, uid, mode })), 999)?.path).toBe(blocked);
  });

  test("uid from /etc/passwd", () => {
    const passwd = "root:x:0:0:root:/root:/bin/bash\ndnsmasqx:x:5:5::/:/bin/false\ndnsmasq:x:999:65534:dnsmasq,,,:/var/lib/misc:/usr/sbin/nologin\n";
    expect(uidOf(passwd, "dnsmasq")).toBe(999);
    expect(uidOf(passwd, "nobody")).toBeUndefined();
    expect(uidOf("", "dnsmasq")).toBeUndefined();
  });
});
