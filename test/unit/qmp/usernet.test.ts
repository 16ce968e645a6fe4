import { parseUsernet } from "../../../provider/host/qemu/usernet";

// Verbatim QEMU 7.2 output (human-monitor-command "info usernet"), with CRLF line ends.
const HEADER = "  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\r\n";
const TWO_NETDEVS =
  "Hub -1 (net0):\r\n" +
  HEADER +
  "  TCP[HOST_FORWARD]  15       127.0.0.1  2222       10.0.2.15    22     0     0\r\n" +
  "  TCP[HOST_FORWARD]  11               *  2223       10.0.2.15    22     0     0\r\n" +
  "Hub -1 (n1):\r\n" +
  HEADER +
  "  UDP[HOST_FORWARD]  16       127.0.0.1  5000       10.0.2.15    53     0     0\r\n";

test.each<[string, string, Record<string, unknown[]>]>([
  ["empty output", "", {}],
  ["one netdev, no forwards", "Hub -1 (net0):\r\n" + HEADER, { net0: [] }],
  [
    "two netdevs, tcp/udp, `*` as any address",
    TWO_NETDEVS,
    {
      net0: [
        { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestAddress: "10.0.2.15", guestPort: 22 },
        { protocol: "tcp", hostAddress: "0.0.0.0", hostPort: 2223, guestAddress: "10.0.2.15", guestPort: 22 },
      ],
      n1: [{ protocol: "udp", hostAddress: "127.0.0.1", hostPort: 5000, guestAddress: "10.0.2.15", guestPort: 53 }],
    },
  ],
  [
    "connection rows are not forwards",
    "Hub -1 (net0):\n" +
      HEADER +
      "  TCP[ESTABLISHED]   18       127.0.0.1 41822       10.0.2.15    22     0     0\n" +
      "  UDP[236 sec]       -1        10.0.2.15   68        10.0.2.2    67     0     0\n" +
      "  TCP[HOST_FORWARD]  15       127.0.0.1  2222       10.0.3.99  8080     0     0\n",
    { net0: [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestAddress: "10.0.3.99", guestPort: 8080 }] },
  ],
  ["rows before any header are ignored", "  TCP[HOST_FORWARD]  15  127.0.0.1  2222  10.0.2.15  22  0  0\n", {}],
  [
    "a hub number other than -1 and LF line ends",
    "Hub 0 (user.0):\n" + HEADER + "  TCP[HOST_FORWARD]  12  127.0.0.1  2222  10.0.2.15  22  0  0\n",
    { "user.0": [{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestAddress: "10.0.2.15", guestPort: 22 }] },
  ],
])("parseUsernet: %s", (_name, text, expected) => {
  expect(Object.fromEntries(parseUsernet(text))).toEqual(expected);
});
