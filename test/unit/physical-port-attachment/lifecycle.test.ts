import { diffPhysicalPortAttachment } from "../../../provider/resources/physical-port-attachment/diff";
import { requireTopology } from "../../../provider/resources/physical-port-attachment/topology";
import type { PhysicalPortAttachmentState } from "../../../provider/resources/physical-port-attachment/schema";
import { UNKNOWN } from "../../../provider/resources/common/unknown";
import { FakeRunner } from "../../support/fake-runner";
import { testContext } from "../../support/provider-harness";
import { makeProvider } from "../../../provider/kinds";

/** An `ip -j -d addr show` entry. */
function link(ifname: string, extra: Record<string, unknown> = {}) {
  return { ifindex: 1, ifname, flags: ["BROADCAST", "UP"], mtu: 1500, address: "52:54:00:00:00:01", addr_info: [], ...extra };
}
const BRIDGE = link("br0", { linkinfo: { info_kind: "bridge" } });
const ENO1 = link("eno1", {
  addr_info: [
    { family: "inet", local: "10.77.0.1", prefixlen: 24, scope: "global" },
    { family: "inet6", local: "fe80::1", prefixlen: 64, scope: "link" },
  ],
});
const ROUTES = [
  { dst: "default", gateway: "10.77.0.254", dev: "eno1", flags: [] },
  { dst: "10.77.0.0/24", dev: "eno1", protocol: "kernel", scope: "link", prefsrc: "10.77.0.1", flags: [] },
];

/** A fake host whose links are `links` until the first write, then `after`; batches are recorded. */
function fakeHost(links: unknown[], after: unknown[] = links, batchStderr = "") {
  let written = false;
  const runner = new FakeRunner(true)
    .on(/-j -d addr show/, () => ({ stdout: JSON.stringify(written ? after : links) }))
    .on(/-j route show table all/, { stdout: JSON.stringify(ROUTES) })
    .on(/-batch/, () => {
      written = true;
      return { exitCode: batchStderr ? 1 : 0, stderr: batchStderr };
    })
    .on(/^ip -n lab (link|addr|route) /, () => {
      written = true;
      return {};
    });
  return runner;
}

/** What the host was asked to do: plain commands and batch lines, in order, reads left out. */
function writes(r: FakeRunner): string[] {
  return r.calls.flatMap((c) => {
    const cmd = c.argv.join(" ");
    if (cmd.includes("-batch")) return [`batch: ${c.input!.trim().split("\n").join(" | ")}`];
    return / -j /.test(cmd) ? [] : [cmd];
  });
}

const INPUTS = { bridge: "br0", port: "eno1", host: { netns: "lab" } };

/** Recorded state of eno1 attached to br0 with its address and default route moved there. */
const MOVED_TO_BR0 = {
  ...INPUTS,
  moveAddresses: true,
  bridge: "br0",
  portUp: true,
  portMacAddress: "",
  movedAddresses: ["10.77.0.1/24"],
  movedRoutes: [{ family: "inet", dst: "default", gateway: "10.77.0.254" }],
  movedTo: "br0",
  preexisting: false,
};

describe("check", () => {
  const p = makeProvider("PhysicalPortAttachment", testContext(new FakeRunner(true)));
  test.each([
    [{}, ["bridge", "port"]],
    [{ bridge: "br0", port: "eth 0" }, ["port"]],
    [{ bridge: "a-very-long-bridge-name", port: "eno1" }, ["bridge"]],
    [{ bridge: "br0", port: "br0" }, ["port"]],
    [{ bridge: "br0", port: "eno1", moveAddresses: "yes" }, ["moveAddresses"]],
    [{ bridge: "br0", port: "eno1", host: { netns: "../x" } }, ["host.netns"]],
    [{ bridge: "br0", port: "eno1", extra: 1 }, ["(inputs)"]],
    [{ bridge: UNKNOWN, port: UNKNOWN }, []],
    [{ bridge: "br0", port: "eno1", __resourceName: "uplink" }, []],
  ])("%j → failures at %j", async (news, paths) => {
    const r = await p.check!({}, news);
    expect((r.failures ?? []).map((f) => f.property)).toEqual(paths);
    for (const f of r.failures ?? []) expect(f.reason.length).toBeGreaterThan(10);
  });

  test("defaults moveAddresses to false and host to the root namespace", async () => {
    expect((await p.check!({}, { bridge: "br0", port: "eno1" })).inputs).toEqual({ bridge: "br0", port: "eno1", moveAddresses: false, host: {} });
  });
});

describe("diff", () => {
  const olds = { ...INPUTS, moveAddresses: false, portUp: true } as unknown as PhysicalPortAttachmentState;
  test.each([
    ["nothing changed", {}, { changes: false, updates: [], replaces: [] }],
    ["another bridge moves the port", { bridge: "br1" }, { changes: true, updates: ["bridge"], replaces: [] }],
    ["moveAddresses moves or returns addresses in place", { moveAddresses: true }, { changes: true, updates: ["moveAddresses"], replaces: [] }],
    ["another port is another attachment", { port: "eno2" }, { changes: true, updates: [], replaces: ["port"] }],
    ["another namespace is another attachment", { host: { netns: "other" } }, { changes: true, updates: [], replaces: ["host"] }],
    ["stateDir is not used by this kind", { host: { netns: "lab", stateDir: "/tmp/x" } }, { changes: false, updates: [], replaces: [] }],
    ["unknown bridge in preview", { bridge: UNKNOWN }, { changes: true, updates: ["bridge"], replaces: [] }],
  ])("%s", (_what, change, expected) => {
    expect(diffPhysicalPortAttachment(olds, { ...olds, ...change } as never)).toEqual({ ...expected, deleteBeforeReplace: false });
  });

  test("refresh found the port released (bridge \"\") or down: update repairs it", () => {
    expect(diffPhysicalPortAttachment({ ...olds, bridge: "" }, { ...INPUTS, moveAddresses: false } as never)).toMatchObject({ changes: true, updates: ["bridge"] });
    expect(diffPhysicalPortAttachment({ ...olds, portUp: false }, { ...INPUTS, moveAddresses: false } as never)).toMatchObject({ changes: true, updates: ["portUp"] });
  });
});

describe("requireTopology", () => {
  const snap = (...links: Array<ReturnType<typeof link>>) => ({ get: (n: string) => links.find((l) => l.ifname === n) as never });
  test.each([
    ["no bridge", snap(ENO1), /bridge "br0" does not exist in network namespace "lab"; fix: create it with a Bridge resource/],
    ["bridge is not a bridge", snap(ENO1, link("br0", { linkinfo: { info_kind: "veth" } })), /"br0" in network namespace "lab" is not a bridge \(it is a veth link\)/],
    ["no port", snap(BRIDGE), /port "eno1" does not exist in network namespace "lab"; fix: set `port` to an existing interface/],
    ["port is a bridge", snap(BRIDGE, link("eno1", { linkinfo: { info_kind: "bridge" } })), /port "eno1" .* is itself a bridge/],
    ["port is loopback", snap(BRIDGE, link("eno1", { link_type: "loopback" })), /loopback interface/],
    ["port on another bridge", snap(BRIDGE, link("eno1", { master: "virbr9" })), /already enslaved to "virbr9"; fix: release it first \(`ip link set eno1 nomaster`\) or set `bridge: "virbr9"`/],
  ])("%s", (_what, s, message) => {
    expect(() => requireTopology(s, { port: "eno1", bridge: "br0" }, "lab")).toThrow(message);
  });
  test("already on this bridge is fine (converge)", () => {
    expect(requireTopology(snap(BRIDGE, link("eno1", { master: "br0" })), { port: "eno1", bridge: "br0" }, undefined).portLink.master).toBe("br0");
  });
});

describe("create, update and delete on a fake host", () => {
  const enslaved = (l: ReturnType<typeof link>, extra: Record<string, unknown> = {}) => ({ ...l, master: "br0", ...extra });

  test("plain attach: one batch with the seed's two commands, re-read, outputs observed", async () => {
    const r = fakeHost([BRIDGE, { ...ENO1, flags: ["BROADCAST"] }], [BRIDGE, enslaved(ENO1)]);
    const p = makeProvider("PhysicalPortAttachment", testContext(r));
    const { inputs } = await p.check!({}, INPUTS);
    const { id, outs } = await p.create(inputs);
    expect(writes(r)).toEqual(["batch: link set dev eno1 up | link set dev eno1 master br0"]);
    expect(r.calls.filter((c) => c.argv.join(" ").includes("route show"))).toEqual([]); // routes are read only when moving
    expect(id).toBe("lab/eno1");
    expect(outs).toEqual({
      ...inputs,
      bridge: "br0",
      portUp: true,
      portMacAddress: "52:54:00:00:00:01",
      movedAddresses: [],
      movedRoutes: [],
      movedTo: "",
      preexisting: false,
    });
  });

  test("moveAddresses: prepare, enslave, switch — three batches in that order; delete gives back in one", async () => {
    const after = [{ ...BRIDGE, addr_info: ENO1.addr_info.slice(0, 1) }, enslaved(ENO1, { addr_info: [] })];
    const r = fakeHost([BRIDGE, ENO1], after);
    const p = makeProvider("PhysicalPortAttachment", testContext(r));
    const { inputs } = await p.check!({}, { ...INPUTS, moveAddresses: true });
    const { id, outs } = await p.create(inputs);
    expect(writes(r)).toEqual([
      "ip -n lab addr add 10.77.0.1/24 dev br0",
      "ip -n lab link set dev eno1 master br0",
      "batch: route append default via 10.77.0.254 dev br0 | route del default via 10.77.0.254 dev eno1 | addr del 10.77.0.1/24 dev eno1",
      // The LAN learns the address now lives behind the bridge's MAC.
      "ip netns exec lab busybox arping -U -q -c 1 -w 1 -I br0 10.77.0.1",
    ]);
    expect(outs).toMatchObject({ movedAddresses: ["10.77.0.1/24"], movedRoutes: [{ family: "inet", dst: "default", gateway: "10.77.0.254" }], movedTo: "br0" });

    r.calls.length = 0;
    await makeProvider("PhysicalPortAttachment", testContext(r)).delete!(id, outs); // a new provider process: state alone is enough
    expect(writes(r)).toEqual([
      "batch: addr add 10.77.0.1/24 dev eno1 | route append default via 10.77.0.254 dev eno1 | route del default via 10.77.0.254 dev br0 | addr del 10.77.0.1/24 dev br0 | link set dev eno1 nomaster",
      "ip netns exec lab busybox arping -U -q -c 1 -w 1 -I eno1 10.77.0.1",
    ]);
  });

  test("a failed enslave gives the addresses back and stops before touching routes", async () => {
    const r = fakeHost([BRIDGE, ENO1]).on(/master br0$/, { exitCode: 2, stderr: "Error: Device does not allow enslaving to a bridge." });
    const p = makeProvider("PhysicalPortAttachment", testContext(r));
    const { inputs } = await p.check!({}, { ...INPUTS, moveAddresses: true });
    await expect(p.create(inputs)).rejects.toThrow(
      /PhysicalPortAttachment "lab\/eno1": create failed: command failed with exit code 2: ip -n lab link set dev eno1 master br0\n  stderr: Error: Device does not allow enslaving/,
    );
    expect(writes(r)).toEqual([
      "ip -n lab addr add 10.77.0.1/24 dev br0",
      "ip -n lab link set dev eno1 master br0",
      "batch: addr add 10.77.0.1/24 dev eno1 | route append default via 10.77.0.254 dev eno1 | route del default via 10.77.0.254 dev br0 | addr del 10.77.0.1/24 dev br0 | link set dev eno1 nomaster",
    ]);
  });

  test("update to another bridge gives back from the old one, releases, and attaches to the new one", async () => {
    const br1 = link("br1", { linkinfo: { info_kind: "bridge" } });
    const before = [BRIDGE, br1, enslaved(ENO1, { addr_info: [] })];
    const r = fakeHost(before, [BRIDGE, br1, { ...ENO1, master: "br1", addr_info: [] }]);
    const p = makeProvider("PhysicalPortAttachment", testContext(r));
    const olds = MOVED_TO_BR0;
    const { inputs } = await p.check!(olds, { ...INPUTS, moveAddresses: true, bridge: "br1" });
    const { outs } = await p.update!("lab/eno1", olds, inputs);
    expect(writes(r)[0]).toBe(
      "batch: addr add 10.77.0.1/24 dev eno1 | route append default via 10.77.0.254 dev eno1 | route del default via 10.77.0.254 dev br0 | addr del 10.77.0.1/24 dev br0 | link set dev eno1 nomaster",
    );
    expect(outs).toMatchObject({ bridge: "br1" });
  });

  test("switching moveAddresses off gives addresses and routes back to the port and keeps it enslaved", async () => {
    const r = fakeHost([{ ...BRIDGE, addr_info: ENO1.addr_info.slice(0, 1) }, enslaved(ENO1, { addr_info: [] })]);
    const olds = MOVED_TO_BR0;
    const { outs } = await makeProvider("PhysicalPortAttachment", testContext(r)).update!("lab/eno1", olds, { ...INPUTS, moveAddresses: false });
    expect(writes(r)).toEqual([
      "batch: addr add 10.77.0.1/24 dev eno1 | route append default via 10.77.0.254 dev eno1 | route del default via 10.77.0.254 dev br0 | addr del 10.77.0.1/24 dev br0",
      "ip netns exec lab busybox arping -U -q -c 1 -w 1 -I eno1 10.77.0.1",
    ]);
    expect(outs).toMatchObject({ bridge: "br0", movedAddresses: [], movedRoutes: [], movedTo: "" });
  });

  test("delete: gone port or namespace succeeds; a preexisting port stays enslaved; malformed state never reaches ip", async () => {
    const gone = new FakeRunner(true).on(/addr show/, { exitCode: 1, stderr: 'Cannot open network namespace "lab": No such file or directory' });
    const state = { ...INPUTS, moveAddresses: false, bridge: "br0", movedAddresses: [], movedRoutes: [], movedTo: "", preexisting: false };
    await makeProvider("PhysicalPortAttachment", testContext(gone)).delete!("lab/eno1", state);
    expect((await makeProvider("PhysicalPortAttachment", testContext(gone)).read!("lab/eno1", state)).id).toBeUndefined();

    const kept = fakeHost([BRIDGE, enslaved(ENO1)]);
    await makeProvider("PhysicalPortAttachment", testContext(kept)).delete!("lab/eno1", { ...state, preexisting: true });
    expect(writes(kept)).toEqual([]);

    const bad = fakeHost([BRIDGE, enslaved(ENO1)]);
    await expect(
      makeProvider("PhysicalPortAttachment", testContext(bad)).delete!("lab/eno1", { ...state, movedTo: "br0", movedAddresses: ["10.0.0.1/24; reboot"] }),
    ).rejects.toThrow(/recorded moved addresses\/routes are malformed/);
    expect(writes(bad)).toEqual([]);
  });
});
