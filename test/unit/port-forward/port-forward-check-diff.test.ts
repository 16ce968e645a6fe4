import { portForwardHandler } from "../../../provider/resources/port-forward/lifecycle";
import { diffPortForward, hostSidesClash } from "../../../provider/resources/port-forward/diff";
import type { PortForwardState } from "../../../provider/resources/port-forward/schema";
import { UNKNOWN } from "../../../provider/resources/common/unknown";

const base = { vm: "web", hostPort: 2222, guestPort: 22 };
/** `base` after check: the defaults written out. */
const CHECKED = { name: "ssh", vm: "web", netdev: "net0", protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22, adopt: false, host: {} } as const;

test("check applies defaults and labels with the resource name", () => {
  const r = portForwardHandler.check({}, { ...base, __resourceName: "ssh" });
  expect(r.failures).toEqual([]);
  expect(r.inputs).toEqual(CHECKED);
});

test.each<[string, Record<string, unknown>, { property: string; reason: RegExp }[]]>([
  ["missing vm and ports", {}, [
    { property: "vm", reason: /is required/ },
    { property: "hostPort", reason: /Required|port/ },
    { property: "guestPort", reason: /Required|port/ },
  ]],
  ["vm with a slash", { ...base, vm: "../etc" }, [{ property: "vm", reason: /letters, digits/ }]],
  ["vm '..'", { ...base, vm: ".." }, [{ property: "vm", reason: /'\.\.'/ }]],
  ["port 0 and 70000", { ...base, hostPort: 0, guestPort: 70000 }, [
    { property: "hostPort", reason: /between 1 and 65535/ },
    { property: "guestPort", reason: /between 1 and 65535/ },
  ]],
  ["fractional port", { ...base, hostPort: 22.5 }, [{ property: "hostPort", reason: /whole number/ }]],
  ["port as string", { ...base, hostPort: "2222" }, [{ property: "hostPort", reason: /port number/ }]],
  ["protocol sctp", { ...base, protocol: "sctp" }, [{ property: "protocol", reason: /"tcp" or "udp"/ }]],
  ["host name instead of address", { ...base, hostAddress: "localhost" }, [{ property: "hostAddress", reason: /IPv4/ }]],
  ["HMP injection in hostAddress", { ...base, hostAddress: "127.0.0.1 info" }, [{ property: "hostAddress", reason: /IPv4/ }]],
  ["IPv6 guest address", { ...base, guestAddress: "::1" }, [{ property: "guestAddress", reason: /IPv4/ }]],
  ["netdev with a space", { ...base, netdev: "net0 tcp::1-:2" }, [{ property: "netdev", reason: /netdev id/ }]],
  ["unknown key", { ...base, hostfwd: "x" }, [{ property: "(inputs)", reason: /hostfwd/ }]],
  ["QMP socket path too long", { ...base, host: { stateDir: "/" + "d".repeat(90) } }, [{ property: "vm", reason: /unix socket limit of 107/ }]],
  ["relative stateDir", { ...base, host: { stateDir: "tmp" } }, [{ property: "host.stateDir", reason: /absolute/ }]],
])("check failures: %s", (_n, news, expected) => {
  const r = portForwardHandler.check({}, news);
  expect(r.failures.map((f) => f.property)).toEqual(expected.map((e) => e.property));
  r.failures.forEach((f, i) => expect(f.reason).toMatch(expected[i].reason));
});

test("check: unknown values in preview pass", () => {
  expect(portForwardHandler.check({}, { vm: UNKNOWN, vmInstanceId: UNKNOWN, hostPort: UNKNOWN, guestPort: 22 }).failures).toEqual([]);
});

const olds: PortForwardState = {
  ...CHECKED,
  vmInstanceId: "i-1",
  rule: "tcp:127.0.0.1:2222-:22",
  active: true,
  effectiveGuestAddress: "10.0.2.15",
  created: true,
};
const { rule: _r, active: _a, effectiveGuestAddress: _e, created: _c, ...inputs } = olds;

test.each<[string, Record<string, unknown>, { changes: boolean; updates: string[]; replaces: string[]; deleteBeforeReplace: boolean }]>([
  ["nothing", {}, { changes: false, updates: [], replaces: [], deleteBeforeReplace: false }],
  ["label only", { name: "other" }, { changes: false, updates: [], replaces: [], deleteBeforeReplace: false }],
  ["guest port", { guestPort: 2022 }, { changes: true, updates: ["guestPort"], replaces: [], deleteBeforeReplace: false }],
  ["guest address", { guestAddress: "10.0.2.16" }, { changes: true, updates: ["guestAddress"], replaces: [], deleteBeforeReplace: false }],
  ["host port", { hostPort: 2223 }, { changes: true, updates: ["hostPort"], replaces: [], deleteBeforeReplace: false }],
  ["protocol + address", { protocol: "udp", hostAddress: "0.0.0.0" }, { changes: true, updates: ["protocol", "hostAddress"], replaces: [], deleteBeforeReplace: false }],
  ["adopt", { adopt: true }, { changes: true, updates: ["adopt"], replaces: [], deleteBeforeReplace: false }],
  // The new VM's forward needs the same host socket as the old one: delete first.
  ["VM replaced (new instance id)", { vmInstanceId: "i-2" }, { changes: true, updates: [], replaces: ["vmInstanceId"], deleteBeforeReplace: true }],
  ["VM instance id unknown in preview", { vmInstanceId: UNKNOWN }, { changes: true, updates: [], replaces: ["vmInstanceId"], deleteBeforeReplace: true }],
  ["another VM, same host socket", { vm: "db" }, { changes: true, updates: [], replaces: ["vm"], deleteBeforeReplace: true }],
  ["another VM and another port", { vm: "db", hostPort: 2223 }, { changes: true, updates: ["hostPort"], replaces: ["vm"], deleteBeforeReplace: false }],
  ["another VM, new port unknown", { vm: "db", hostPort: UNKNOWN }, { changes: true, updates: ["hostPort"], replaces: ["vm"], deleteBeforeReplace: true }],
  ["netdev", { netdev: "net1" }, { changes: true, updates: [], replaces: ["netdev"], deleteBeforeReplace: true }],
  ["another namespace", { host: { netns: "lab2" } }, { changes: true, updates: [], replaces: ["host"], deleteBeforeReplace: false }],
])("diff: %s", (_n, change, expected) => {
  expect(diffPortForward(olds, { ...inputs, ...change } as never)).toEqual(expected);
});

test("diff: a forward read as inactive (removed by hand, VM restarted) is an update that re-adds it", () => {
  expect(diffPortForward({ ...olds, active: false }, inputs as never)).toEqual({
    changes: true,
    updates: ["active"],
    replaces: [],
    deleteBeforeReplace: false,
  });
});

test.each<[string, Record<string, unknown>, Record<string, unknown>, boolean]>([
  ["same socket", { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 1 }, { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 1 }, true],
  ["any address overlaps", { protocol: "tcp", hostAddress: "0.0.0.0", hostPort: 1 }, { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 1 }, true],
  ["other address", { protocol: "tcp", hostAddress: "127.0.0.2", hostPort: 1 }, { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 1 }, false],
  ["other protocol", { protocol: "udp", hostAddress: "127.0.0.1", hostPort: 1 }, { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 1 }, false],
  ["other port", { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2 }, { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 1 }, false],
  ["other namespace", { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 1, host: { netns: "a" } }, { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 1 }, false],
])("hostSidesClash: %s", (_n, a, b, expected) => {
  expect(hostSidesClash(a, b)).toBe(expected);
  expect(hostSidesClash(b, a)).toBe(expected);
});
