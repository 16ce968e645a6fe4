import { leaseCurrent, parseLeaseFile } from "../../../provider/host/dnsmasq/lease-file";

describe("dnsmasq lease file", () => {
  test.each<[string, string, ReturnType<typeof parseLeaseFile>]>([
    ["empty file", "", []],
    [
      "IPv4 leases as dnsmasq 2.90 writes them",
      "1796228271 02:00:00:00:00:01 10.9.0.10 web 01:02:00:00:00:00:01\n1796228268 3e:2e:8b:76:a2:29 10.9.0.133 cli1 01:3e:2e:8b:76:a2:29\n",
      [
        { mac: "02:00:00:00:00:01", ip: "10.9.0.10", hostname: "web", expiresAt: 1796228271 },
        { mac: "3e:2e:8b:76:a2:29", ip: "10.9.0.133", hostname: "cli1", expiresAt: 1796228268 },
      ],
    ],
    ["no hostname (*), no client id (*)", "1700000000 52:54:00:12:34:56 192.168.122.50 * *\n", [{ mac: "52:54:00:12:34:56", ip: "192.168.122.50", expiresAt: 1700000000 }]],
    ["infinite lease: expiry 0", "0 52:54:00:12:34:56 192.168.122.5 db *\n", [{ mac: "52:54:00:12:34:56", ip: "192.168.122.5", hostname: "db", expiresAt: 0 }]],
    ["upper-case MAC is lower-cased", "5 52:54:00:AB:CD:EF 10.0.0.2 * *", [{ mac: "52:54:00:ab:cd:ef", ip: "10.0.0.2", expiresAt: 5 }]],
    [
      "the duid line and DHCPv6 leases are skipped",
      "duid 00:01:00:01:2a:2b:2c:2d:52:54:00:00:00:01\n1700000000 1234567 fd00::10 v6host 00:01:00:01\n1700000000 52:54:00:00:00:09 10.0.0.9 v4host *\n",
      [{ mac: "52:54:00:00:00:09", ip: "10.0.0.9", hostname: "v4host", expiresAt: 1700000000 }],
    ],
    ["garbage and short lines are skipped", "garbage\n170 52:54:00:00:00:01\nx 52:54:00:00:00:01 10.0.0.1 a *\n1 52:54:00:00:00:01 10.0.0.256 a *\n", []],
    ["extra whitespace and CRLF", "  1700000000   52:54:00:00:00:01  10.0.0.1  a  *  \r\n", [{ mac: "52:54:00:00:00:01", ip: "10.0.0.1", hostname: "a", expiresAt: 1700000000 }]],
  ])("%s", (_t, text, want) => {
    expect(parseLeaseFile(text)).toEqual(want);
  });

  test.each([
    [0, 2_000_000_000, true],
    [1_700_000_001, 1_700_000_000, true],
    [1_700_000_000, 1_700_000_000, false],
    [1_699_999_999, 1_700_000_000, false],
  ])("lease expiring at %d is current at %d: %s", (expiresAt, now, want) => {
    expect(leaseCurrent({ mac: "52:54:00:00:00:01", ip: "10.0.0.1", expiresAt }, now)).toBe(want);
  });
});
