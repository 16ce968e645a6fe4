import {
  addHostForward,
  classifyHostFwdReply,
  formatHostFwdKey,
  formatHostFwdRule,
  HostFwdError,
  hostFwdAddCommand,
  hostFwdRemoveCommand,
  listHostForwards,
  removeHostForward,
  type Fwd,
} from "../../../provider/host/qemu/hostfwd";
import type { QmpClient } from "../../../provider/host/qemu/qmp-client";

const ssh: Fwd = { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 };

test.each<[string, Fwd, string, string]>([
  ["default guest address", ssh, "tcp:127.0.0.1:2222-:22", "tcp:127.0.0.1:2222"],
  ["explicit guest address", { ...ssh, guestAddress: "10.0.2.16" }, "tcp:127.0.0.1:2222-10.0.2.16:22", "tcp:127.0.0.1:2222"],
  ["udp on any address", { protocol: "udp", hostAddress: "0.0.0.0", hostPort: 5353, guestPort: 53 }, "udp:0.0.0.0:5353-:53", "udp:0.0.0.0:5353"],
])("formatHostFwdRule/Key: %s", (_n, fwd, rule, key) => {
  expect(formatHostFwdRule(fwd)).toBe(rule);
  expect(formatHostFwdKey(fwd)).toBe(key);
});

test.each<[string, string, Fwd]>([
  ["netdev with a space", "net0 x", ssh],
  ["netdev starting with a digit", "0net", ssh],
  ["host address with a command", "127.0.0.1", { ...ssh, hostAddress: "1.2.3.4 info" }],
  ["host name", "net0", { ...ssh, hostAddress: "localhost" }],
  ["port out of range", "net0", { ...ssh, hostPort: 70000 }],
  ["fractional port", "net0", { ...ssh, guestPort: 22.5 }],
  ["bad protocol", "net0", { ...ssh, protocol: "sctp" as "tcp" }],
  ["bad guest address", "net0", { ...ssh, guestAddress: "10.0.2" }],
])("HMP command lines refuse unvalidated values: %s", (_n, netdev, fwd) => {
  expect(() => hostFwdAddCommand(netdev, fwd)).toThrow(/invalid/);
});

test("HMP command lines", () => {
  expect(hostFwdAddCommand("net0", ssh)).toBe("hostfwd_add net0 tcp:127.0.0.1:2222-:22");
  expect(hostFwdRemoveCommand("user.1", ssh)).toBe("hostfwd_remove user.1 tcp:127.0.0.1:2222");
});

// Replies verbatim from QEMU 7.2.
test.each([
  ["Could not set up host forwarding rule 'tcp:127.0.0.1:2222-:22'\r\n", "port-in-use"],
  ["Invalid host forwarding rule 'bogus' (No : separators)\r\n", "invalid-rule"],
  ["unrecognized netdev id 'nope'\r\n", "netdev-not-found"],
  ["something new\r\n", "unknown"],
])("classifyHostFwdReply(%j) = %s", (reply, kind) => {
  expect(classifyHostFwdReply(reply)).toBe(kind);
});

/** A QmpClient stand-in answering HMP lines from a table and recording them. */
function fakeQmp(answers: Record<string, string>): QmpClient & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    hmp: async (line: string) => {
      lines.push(line);
      if (!(line in answers)) throw new Error(`unexpected ${line}`);
      return answers[line];
    },
  } as unknown as QmpClient & { lines: string[] };
}

test("addHostForward: empty reply is success; any text is an error with QEMU's words and the fix", async () => {
  const ok = fakeQmp({ "hostfwd_add net0 tcp:127.0.0.1:2222-:22": "" });
  await addHostForward(ok, "net0", ssh);
  expect(ok.lines).toEqual(["hostfwd_add net0 tcp:127.0.0.1:2222-:22"]);

  const busy = fakeQmp({ "hostfwd_add net0 tcp:127.0.0.1:2222-:22": "Could not set up host forwarding rule 'tcp:127.0.0.1:2222-:22'\r\n" });
  const e = await addHostForward(busy, "net0", ssh).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(HostFwdError);
  expect(e).toMatchObject({ failure: "port-in-use", commandLine: "hostfwd_add net0 tcp:127.0.0.1:2222-:22" });
  expect((e as Error).message).toMatch(/Could not set up host forwarding rule[\s\S]*fix: choose another hostPort/);
});

test("removeHostForward: removed → true, not found → false, unknown netdev → error", async () => {
  const q = fakeQmp({
    "hostfwd_remove net0 tcp:127.0.0.1:2222": "host forwarding rule for tcp:127.0.0.1:2222 removed\r\n",
    "hostfwd_remove net1 tcp:127.0.0.1:2222": "host forwarding rule for tcp:127.0.0.1:2222 not found\r\n",
    "hostfwd_remove nope tcp:127.0.0.1:2222": "unrecognized netdev id 'nope'\r\n",
  });
  await expect(removeHostForward(q, "net0", ssh)).resolves.toBe(true);
  await expect(removeHostForward(q, "net1", ssh)).resolves.toBe(false);
  await expect(removeHostForward(q, "nope", ssh)).rejects.toMatchObject({ failure: "netdev-not-found" });
});

test("listHostForwards parses info usernet", async () => {
  const q = fakeQmp({
    "info usernet": "Hub -1 (net0):\r\n  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\r\n  TCP[HOST_FORWARD]  15       127.0.0.1  2222       10.0.2.15    22     0     0\r\n",
  });
  expect(Object.fromEntries(await listHostForwards(q))).toEqual({ net0: [{ ...ssh, guestAddress: "10.0.2.15" }] });
});
