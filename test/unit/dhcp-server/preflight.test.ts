import { conflictingDhcpListeners, parseDhcpListeners } from "../../../provider/host/dnsmasq/dnsmasq-process";
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
    expect(parseDhcpListeners(SS)).toEqual([
      { address: "0.0.0.0", device: "br0", processes: [{ name: "dnsmasq", pid: 13434 }] },
      { address: "0.0.0.0", device: "br1", processes: [{ name: "dnsmasq", pid: 13141 }] },
      { address: "0.0.0.0", processes: [{ name: "dhcpd", pid: 77 }, { name: "dhcpd", pid: 78 }] },
    ]);
    expect(parseDhcpListeners("")).toEqual([]);
  });

  test.each<[string, string, number[], number[]]>([
    ["another dnsmasq on the bridge, and a wildcard server", "br0", [], [13434, 77]],
    ["our own dnsmasq does not count", "br0", [13434], [77]],
    ["a server on another bridge does not conflict", "br2", [], [77]],
  ])("conflicts: %s", (_t, bridge, ours, pids) => {
    expect(conflictingDhcpListeners(parseDhcpListeners(SS), bridge, ours).map((l) => l.processes[0]!.pid)).toEqual(pids);
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
