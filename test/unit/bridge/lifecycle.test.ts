import { labelledFor, ownerGroup } from "../../../provider/resources/common/owner";
import { bridgeHandler } from "../../../provider/resources/bridge/lifecycle";
import type { BridgeInputs, BridgeState } from "../../../provider/resources/bridge/schema";
import { PartialCreateError } from "../../../provider/resources/common/handler";
import { FakeRunner } from "../../support/fake-runner";
import { bridgeState } from "../../support/bridge-state";
import { testContext } from "../../support/provider-harness";

const READ = "ip -n lab -j -d addr show";
const BATCH = "ip -n lab -force -batch -";

/** `ip -j -d addr show` output with the given links (only the fields we read). */
function ipJson(...links: Record<string, unknown>[]): string {
  return JSON.stringify([{ ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], mtu: 65536, addr_info: [] }, ...links]);
}
function bridge(over: Record<string, unknown> = {}, addrs: [string, number][] = []): Record<string, unknown> {
  return {
    ifindex: 9,
    ifname: "br0",
    flags: ["BROADCAST", "MULTICAST", "UP"],
    mtu: 1500,
    address: "02:00:00:00:00:09",
    linkinfo: { info_kind: "bridge", info_data: { stp_state: 0 } },
    addr_info: addrs.map(([local, prefixlen]) => ({ family: local.includes(":") ? "inet6" : "inet", local, prefixlen, scope: "global" })),
    ...over,
  };
}

/** A fake `ip` whose successive reads of the namespace return the given answers. */
function fakeIp(...reads: string[]): FakeRunner {
  const r = new FakeRunner(true);
  r.on(/^ip -n lab (-force -batch -$|link |addr )/, {}); // writes succeed unless a test says otherwise
  r.on(/-j -d addr show$/, () => ({ stdout: reads.length > 1 ? reads.shift()! : reads[0]! }));
  return r;
}
const inputs = (over: Partial<BridgeInputs> = {}): BridgeInputs => ({ name: "br0", up: true, adopt: false, host: { netns: "lab" }, ...over });
const batchInputs = (r: FakeRunner) => r.calls.filter((c) => c.input !== undefined).map((c) => c.input);

describe("Bridge create (fake ip)", () => {
  test("one link add, then every setting in one batch (MTU first, addresses in order, up last), then a re-read", async () => {
    const r = fakeIp(ipJson(), ipJson(bridge({ mtu: 1400 }, [["10.0.0.1", 24], ["fd00::1", 64]])));
    const { id, outs } = await bridgeHandler.create(inputs({ addresses: ["10.0.0.1/24", "fd00::1/64"], mtu: 1400 }), testContext(r));
    expect(r.commands()).toEqual([READ, "ip -n lab link add name br0 type bridge stp_state 0", BATCH, READ]);
    expect(batchInputs(r)).toEqual(["link set dev br0 mtu 1400\naddr add 10.0.0.1/24 dev br0\naddr add fd00::1/64 dev br0\nlink set dev br0 up\n"]);
    expect(id).toBe("br0");
    expect(outs).toEqual(bridgeState({ mtu: 1400, macAddress: "02:00:00:00:00:09", ifindex: 9 }));
  });

  test("STP goes in the link add; a bridge left down gets no `up`", async () => {
    const r = fakeIp(ipJson(), ipJson(bridge({ flags: ["BROADCAST"], linkinfo: { info_kind: "bridge", info_data: { stp_state: 1 } } })));
    await bridgeHandler.create(inputs({ stp: true, up: false }), testContext(r));
    expect(r.commands()).toEqual([READ, "ip -n lab link add name br0 type bridge stp_state 1", READ]);
  });

  test("refuses an existing bridge without adopt, touching nothing", async () => {
    const r = fakeIp(ipJson(bridge()));
    await expect(bridgeHandler.create(inputs(), testContext(r))).rejects.toThrow(
      'a bridge named "br0" already exists in network namespace "lab"; set `adopt: true` to manage it (delete then leaves it in place), or choose another name',
    );
    expect(r.commands()).toEqual([READ]);
  });

  test("refuses a link of another kind even with adopt", async () => {
    const r = fakeIp(ipJson(bridge({ linkinfo: { info_kind: "veth" } })));
    await expect(bridgeHandler.create(inputs({ adopt: true }), testContext(r))).rejects.toThrow(/a veth link named "br0" already exists .*not a bridge/);
    expect(r.commands()).toEqual([READ]);
  });

  test("adopt converges only what differs and records created: false", async () => {
    const r = fakeIp(ipJson(bridge({}, [["10.9.9.9", 8]])), ipJson(bridge()), ipJson(bridge({}, [["10.0.0.1", 24]])));
    const { outs } = await bridgeHandler.create(inputs({ adopt: true, addresses: ["10.0.0.1/24"], mtu: 1500 }), testContext(r));
    expect(r.commands()).toEqual([READ, "ip -n lab addr del 10.9.9.9/8 dev br0", READ, "ip -n lab addr add 10.0.0.1/24 dev br0", READ]);
    expect(outs.created).toBe(false);
  });

  test("a failed setting removes the bridge it made and reports argv, exit code and stderr", async () => {
    const r = fakeIp(ipJson());
    r.on(/-batch/, { exitCode: 1, stderr: "Error: ipv6: address already assigned.\nCommand failed -:2\n" });
    const err = await bridgeHandler.create(inputs({ addresses: ["10.0.0.1/24", "fd00::1/64"] }), testContext(r)).catch((e: Error) => e);
    expect(r.commands()).toEqual([READ, "ip -n lab link add name br0 type bridge stp_state 0", BATCH, "ip -n lab link delete dev br0"]);
    expect((err as Error).message).toBe(
      "command failed with exit code 2: ip -n lab addr add fd00::1/64 dev br0\n  stderr: Error: ipv6: address already assigned.",
    );
  });

  test("when even the undo fails, the half-made bridge is recorded (PartialCreateError)", async () => {
    const r = fakeIp(ipJson());
    r.on(/-batch/, { exitCode: 1, stderr: "Error: bad\nCommand failed -:1\n" });
    r.on(/link delete/, { exitCode: 2, stderr: "RTNETLINK answers: Device or resource busy" });
    const err = await bridgeHandler.create(inputs({ mtu: 1400, addresses: ["10.0.0.1/24"] }), testContext(r)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialCreateError);
    expect((err as PartialCreateError).id).toBe("br0");
    expect((err as PartialCreateError).message).toMatch(/Error: bad[\s\S]*removing the half-made bridge failed too[\s\S]*link delete dev br0/);
  });

  test("a name taken between our (shared, possibly stale) read and the link add: re-read, then refuse with the adopt hint…", async () => {
    const r = fakeIp(ipJson(), ipJson(bridge()));
    r.on(/link add/, { exitCode: 2, stderr: "RTNETLINK answers: File exists" });
    await expect(bridgeHandler.create(inputs(), testContext(r))).rejects.toThrow(/a bridge named "br0" already exists.*adopt: true/);
    expect(r.commands()).toEqual([READ, "ip -n lab link add name br0 type bridge stp_state 0", READ]);
  });

  test("…or, with adopt, adopt it", async () => {
    const r = fakeIp(ipJson(), ipJson(bridge({ flags: ["BROADCAST"] })), ipJson(bridge()));
    r.on(/link add/, { exitCode: 2, stderr: "RTNETLINK answers: File exists" });
    const { outs } = await bridgeHandler.create(inputs({ adopt: true }), testContext(r));
    expect(r.commands()).toEqual([READ, "ip -n lab link add name br0 type bridge stp_state 0", READ, "ip -n lab link set dev br0 up", READ]);
    expect(outs).toMatchObject({ up: true, created: false });
  });
});

describe("Bridge read/update/delete (fake ip)", () => {
  const STATE: BridgeState = bridgeState({ addresses: ["10.0.0.1/24", "10.0.0.2/24"], macAddress: "02:00:00:00:00:09", ifindex: 9 });

  test.each([
    ["gone", ipJson()],
    ["the name now belongs to a dummy", ipJson(bridge({ linkinfo: { info_kind: "dummy" } }))],
  ])("read: %s → undefined", async (_what, answer) => {
    expect(await bridgeHandler.read("br0", STATE, testContext(fakeIp(answer)))).toBeUndefined();
  });

  test("read reports drift from one shared read", async () => {
    const r = fakeIp(ipJson(bridge({ mtu: 1400, flags: ["BROADCAST"], linkinfo: { info_kind: "bridge", info_data: { stp_state: 1 } } }, [["10.0.0.2", 24]])));
    const got = await bridgeHandler.read("br0", STATE, testContext(r));
    expect(got?.outs).toEqual({ ...STATE, addresses: ["10.0.0.2/24"], mtu: 1400, stp: true, up: false });
    expect(r.commands()).toEqual([READ]);
  });

  test("update removes first, re-reads (a removed primary takes its secondaries), then adds", async () => {
    const r = fakeIp(
      ipJson(bridge({}, [["10.0.0.1", 24], ["10.0.0.2", 24]])),
      ipJson(bridge({ linkinfo: { info_kind: "bridge", info_data: { stp_state: 1 } } })), // 10.0.0.2 went with its primary
      ipJson(bridge({ linkinfo: { info_kind: "bridge", info_data: { stp_state: 1 } } }, [["10.0.0.2", 24], ["10.0.0.3", 24]])),
    );
    const outs = await bridgeHandler.update("br0", STATE, inputs({ addresses: ["10.0.0.2/24", "10.0.0.3/24"], stp: true }), testContext(r));
    expect(r.commands()).toEqual([READ, BATCH, READ, BATCH, READ]);
    expect(batchInputs(r)).toEqual([
      "link set dev br0 type bridge stp_state 1\naddr del 10.0.0.1/24 dev br0\n",
      "addr add 10.0.0.2/24 dev br0\naddr add 10.0.0.3/24 dev br0\n",
    ]);
    expect(outs).toEqual({ ...STATE, addresses: ["10.0.0.2/24", "10.0.0.3/24"], stp: true });
  });

  test("update of a bridge that is gone says to refresh", async () => {
    await expect(bridgeHandler.update("br0", STATE, inputs({ mtu: 9000 }), testContext(fakeIp(ipJson())))).rejects.toThrow(
      'bridge "br0" no longer exists in network namespace "lab" (or the name now belongs to another kind of link): run `pulumi refresh`',
    );
  });

  test.each<[string, Partial<BridgeState>, string, string[]]>([
    ["ours", {}, ipJson(bridge()), [READ, "ip -n lab link delete dev br0"]],
    ["already gone", {}, ipJson(), [READ]],
    ["adopted: left in place", { created: false }, ipJson(bridge()), []],
    ["re-made out of band (new ifindex): not ours", {}, ipJson(bridge({ ifindex: 33 })), [READ]],
    ["the name is now a veth: not ours", {}, ipJson(bridge({ linkinfo: { info_kind: "veth" } })), [READ]],
  ])("delete: %s", async (_what, over, answer, commands) => {
    const r = fakeIp(answer);
    await bridgeHandler.delete("br0", { ...STATE, ...over }, testContext(r));
    expect(r.commands()).toEqual(commands);
  });

  test("delete: a bridge already gone by the time ip runs is success", async () => {
    const r = fakeIp(ipJson(bridge()));
    r.on(/link delete/, { exitCode: 1, stderr: 'Cannot find device "br0"' });
    await expect(bridgeHandler.delete("br0", STATE, testContext(r))).resolves.toBeUndefined();
  });
});

describe("verify after acting (issue 12, defects 1 and 2): ip reporting success is not enough", () => {
  test("create: the re-read lacks an address ip accepted — the create fails naming what is missing, and our bridge is removed", async () => {
    const before = ipJson();
    const after = ipJson(bridge({ mtu: 1500 }, [["10.1.0.1", 24]])); // 10.3.0.1/24 never arrived
    const r = fakeIp(before, after);
    const err = await bridgeHandler.create(inputs({ addresses: ["10.1.0.1/24", "10.3.0.1/24"] }), testContext(r)).catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/^bridge "br0" in network namespace "lab" differs from the plan after it was applied: still to do addr-add 10\.3\.0\.1\/24 \(the kernel has /);
    expect(r.commands()).toContain("ip -n lab link delete dev br0");
  });

  test("update: a prefix the kernel installed differently (an octal /024 read as /20) fails instead of reporting success", async () => {
    const current = ipJson(bridge({}, [["10.1.0.1", 24]]));
    const after = ipJson(bridge({}, [["10.1.0.1", 20]]));
    const r = fakeIp(current, after);
    await expect(bridgeHandler.update("br0", bridgeState({ addresses: ["10.1.0.1/24"], ifindex: 9 }), inputs({ addresses: ["10.1.0.1/24", "10.2.0.1/24"] }), testContext(r))).rejects.toThrow(
      /differs from the plan after it was applied: still to do addr-del 10\.1\.0\.1\/20, addr-add 10\.1\.0\.1\/24, addr-add 10\.2\.0\.1\/24/,
    );
  });
});

describe("the owner's group mark (a create killed between `ip link add` and its alias)", () => {
  test.each([
    [{ group: String(ownerGroup("lab/dev/br#1")) }, true],
    [{ group: ownerGroup("lab/dev/br#1") }, true],
    [{ group: String(ownerGroup("lab/other/br#2")) }, false],
    [{ group: "default" }, false],
    [{ group: "lab-links" }, false],
    [{ group: String(ownerGroup("lab/dev/br#1")), ifalias: "someone else's" }, false],
    [{ ifalias: "pulumi-qemu-lab:lab/dev/br#1" }, true],
  ])("%j is ours: %s", (over, ours) => expect(labelledFor(bridge(over) as never, "lab/dev/br#1")).toBe(ours));
});
