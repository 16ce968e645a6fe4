import { conflictingListeners, parseListeners } from "../../../provider/host/qemu/listeners";
import { parseProcStat, parseThreadCount } from "../../../provider/host/qemu/qemu-process";

describe("parseListeners (ss -Hlntu)", () => {
  const SS = [
    "udp UNCONN 0      0        0.0.0.0:5353 0.0.0.0:*",
    "tcp LISTEN 0      128    127.0.0.1:2222 0.0.0.0:*",
    "tcp LISTEN 0      128            *:2223       *:*",
    "tcp LISTEN 0      128        [::1]:2224    [::]:*",
    "tcp LISTEN 0      128   [fe80::1]%eth0:2225    [::]:*",
    "garbage",
    "",
  ].join("\n");
  test("parses protocol, address and port", () => {
    expect(parseListeners(SS)).toEqual([
      { protocol: "udp", address: "0.0.0.0", port: 5353 },
      { protocol: "tcp", address: "127.0.0.1", port: 2222 },
      { protocol: "tcp", address: "*", port: 2223 },
      { protocol: "tcp", address: "[::1]", port: 2224 },
      { protocol: "tcp", address: "[fe80::1]", port: 2225 },
    ]);
  });
  const ls = parseListeners(SS);
  test.each([
    [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 }, 1],
    [{ protocol: "tcp", hostAddress: "0.0.0.0", hostPort: 2222, guestPort: 22 }, 1],
    [{ protocol: "tcp", hostAddress: "10.0.0.1", hostPort: 2222, guestPort: 22 }, 0],
    [{ protocol: "udp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 }, 0],
    [{ protocol: "tcp", hostAddress: "10.0.0.1", hostPort: 2223, guestPort: 22 }, 1],
    [{ protocol: "udp", hostAddress: "127.0.0.1", hostPort: 5353, guestPort: 53 }, 1],
    [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2224, guestPort: 22 }, 0],
    [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 9999, guestPort: 22 }, 0],
  ] as const)("%j conflicts with %i listener(s)", (f, n) => expect(conflictingListeners(ls, f)).toHaveLength(n));
});

describe("parseProcStat", () => {
  // Fields 1..22; a comm with spaces and parentheses.
  const stat = "4242 (qemu-system-x86 (x)) S 1 4241 4241 0 -1 4194624 100 0 0 0 5 3 0 0 20 0 3 0 987654 123456 789";
  test("state and start time come after the last ')'", () => expect(parseProcStat(stat)).toEqual({ state: "S", startTime: "987654" }));
  test.each(["", "4242 (qemu", "4242 (q) S 1 2"])("%j is unparseable", (t) => expect(parseProcStat(t)).toBeUndefined());
});

describe("parseThreadCount", () => {
  test.each([
    ["Name:\tqemu-system-x86\nState:\tZ (zombie)\nThreads:\t3\n", 3],
    ["Threads:\t1", 1],
    ["Name:\tx\n", undefined],
  ])("%j -> %s", (t, n) => expect(parseThreadCount(t)).toBe(n));
});
