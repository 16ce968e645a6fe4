import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withQmp } from "../../../provider/host/qemu/qmp-client";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { sh, TestNamespaces, uniqueName } from "../../support/netns";
import { BareQemu } from "./bare-qemu";
import { parseUsernet } from "../../../provider/host/qemu/usernet";
import { record } from "../../support/reliability";
import { makeProvider } from "../../../provider/kinds";

/** Listening sockets in the namespace, as the kernel reports them: ["tcp 127.0.0.1:2222", ...]. */
function listeners(netns: string): string[] {
  const lines = (proto: "t" | "u") =>
    sh(["ip", "netns", "exec", netns, "ss", "-Hln" + proto]).split("\n").filter(Boolean).map((l) => `${proto === "t" ? "tcp" : "udp"} ${l.trim().split(/\s+/)[3]}`);
  return [...lines("t"), ...lines("u")];
}

/** QEMU's own `info usernet` text, read over QMP. */
function usernet(q: BareQemu): Promise<string> {
  return withQmp(q.paths.qmpSocket, (qmp) => qmp.hmp("info usernet"));
}

describe("PortForward on a real QEMU (no guest)", () => {
  const spaces = new TestNamespaces();
  let stateDir: string;
  let netns: string;
  let qemu: BareQemu;
  let vm: string;

  beforeAll(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pf-it-"));
    netns = spaces.create("qlpf");
    vm = uniqueName("vm");
    qemu = new BareQemu(netns, stateDir, vm, ["net0", "net1"]).start();
  });
  afterAll(async () => {
    try {
      await qemu?.stop();
    } finally {
      spaces.cleanup();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  const args = () => ({ __resourceName: "ssh", vm, vmInstanceId: "i-1", hostPort: 2222, guestPort: 22, host: { stateDir } });

  test("create → listening in the VM's namespace; read; drift when removed by hand; update puts it back; delete", async () => {
    const p = makeProvider("PortForward", testContext());
    const { id, outs } = await checkAndCreate(p, args());
    try {
      expect(outs).toMatchObject({ name: "ssh", rule: "tcp:127.0.0.1:2222-:22", active: true, created: true, effectiveGuestAddress: "10.0.2.15" });
      expect(listeners(netns)).toContain("tcp 127.0.0.1:2222");

      const r1 = await p.read!(id, outs);
      expect(r1.id).toBe(id);
      expect(r1.props).toEqual(outs);

      // Someone removes it by hand: read shows drift, diff asks for an update, update re-adds it.
      await withQmp(qemu.paths.qmpSocket, (qmp) => qmp.hmp("hostfwd_remove net0 tcp:127.0.0.1:2222"));
      expect(listeners(netns)).not.toContain("tcp 127.0.0.1:2222");
      // A refresh runs in a new provider process: a fresh context, nothing cached.
      const refresh = makeProvider("PortForward", testContext());
      const r2 = await refresh.read!(id, outs);
      expect(r2.props).toMatchObject({ active: false });
      const { diff, outs: repaired } = await checkAndUpdate(p, id, r2.props!, args());
      expect(diff).toMatchObject({ changes: true, replaces: [] });
      expect(repaired).toMatchObject({ active: true });
      expect(listeners(netns)).toContain("tcp 127.0.0.1:2222");
      record({ section: "faults", subject: "a forward removed by hand over QMP", refresh: "active false", up: "re-added" });

      // Someone points it elsewhere: read reports the guest side QEMU really has.
      await withQmp(qemu.paths.qmpSocket, async (qmp) => {
        await qmp.hmp("hostfwd_remove net0 tcp:127.0.0.1:2222");
        await qmp.hmp("hostfwd_add net0 tcp:127.0.0.1:2222-10.0.2.99:2022");
      });
      const r3 = await makeProvider("PortForward", testContext()).read!(id, repaired!);
      expect(r3.props).toMatchObject({ active: true, guestAddress: "10.0.2.99", guestPort: 2022 });
      const back = await checkAndUpdate(p, id, r3.props!, args());
      expect(back.diff.replaces).toEqual([]);
      expect(await usernet(qemu)).toMatch(/TCP\[HOST_FORWARD\]\s+\d+\s+127\.0\.0\.1\s+2222\s+10\.0\.2\.15\s+22\s/);

      await p.delete!(id, back.outs!);
      expect(listeners(netns)).not.toContain("tcp 127.0.0.1:2222");
      expect(await usernet(qemu)).not.toMatch(/2222/);
      await p.delete!(id, back.outs!); // already gone: success
    } finally {
      await withQmp(qemu.paths.qmpSocket, (qmp) => qmp.hmp("hostfwd_remove net0 tcp:127.0.0.1:2222")).catch(() => undefined);
    }
  });

  test("update moves the host port and the guest port live; the old socket is released", async () => {
    const p = makeProvider("PortForward", testContext());
    const { id, outs } = await checkAndCreate(p, { ...args(), hostPort: 2300 });
    let last = outs;
    try {
      const moved = await checkAndUpdate(p, id, outs, { ...args(), hostPort: 2301, protocol: "udp", guestPort: 53 });
      expect(moved.diff).toMatchObject({ replaces: [] });
      last = moved.outs!;
      expect(last).toMatchObject({ rule: "udp:127.0.0.1:2301-:53", active: true });
      const l = listeners(netns);
      expect(l).toContain("udp 127.0.0.1:2301");
      expect(l).not.toContain("tcp 127.0.0.1:2300");

      const guest = await checkAndUpdate(p, id, last, { ...args(), hostPort: 2301, protocol: "udp", guestPort: 5353, guestAddress: "10.0.2.20" });
      last = guest.outs!;
      expect(await usernet(qemu)).toMatch(/UDP\[HOST_FORWARD\]\s+\d+\s+127\.0\.0\.1\s+2301\s+10\.0\.2\.20\s+5353\s/);
    } finally {
      await p.delete!(id, last);
    }
    expect(listeners(netns).filter((x) => /:230[01]$/.test(x))).toEqual([]);
  });

  test("refuses an existing forward unless adopt, and leaves an adopted one on delete", async () => {
    const p = makeProvider("PortForward", testContext());
    await withQmp(qemu.paths.qmpSocket, (qmp) => qmp.hmp("hostfwd_add net0 tcp:127.0.0.1:2400-:80"));
    try {
      await expect(checkAndCreate(p, { ...args(), hostPort: 2400, guestPort: 80 })).rejects.toThrow(
        /PortForward "ssh": create failed: a forward tcp:127\.0\.0\.1:2400 → 10\.0\.2\.15:80 already exists on netdev "net0" of QemuVm "vm[0-9a-f]+"[\s\S]*adopt: true/,
      );
      const { id, outs } = await checkAndCreate(p, { ...args(), hostPort: 2400, guestPort: 80, adopt: true });
      expect(outs.created).toBe(false);
      await p.delete!(id, outs);
      expect(listeners(netns)).toContain("tcp 127.0.0.1:2400");
    } finally {
      await withQmp(qemu.paths.qmpSocket, (qmp) => qmp.hmp("hostfwd_remove net0 tcp:127.0.0.1:2400"));
    }
  });

  test("a host port taken on another netdev fails with QEMU's words and the fix, and leaves nothing behind", async () => {
    const p = makeProvider("PortForward", testContext());
    const { id, outs } = await checkAndCreate(p, { ...args(), hostPort: 2500 });
    try {
      const e = await checkAndCreate(p, { ...args(), __resourceName: "clash", netdev: "net1", hostPort: 2500 }).catch((x: Error) => x);
      expect((e as Error).message).toMatch(
        /^PortForward "clash": create failed: QEMU refused `hostfwd_add net1 tcp:127\.0\.0\.1:2500-:22`: Could not set up host forwarding rule[\s\S]*fix: choose another hostPort/,
      );
      expect(parseUsernet(await usernet(qemu)).get("net1")).toEqual([]);
    } finally {
      await p.delete!(id, outs);
    }
  });

  test("a VM recreated behind our back (new instance id in its meta.json) reads as drift that replaces the forward", async () => {
    const p = makeProvider("PortForward", testContext());
    const { id, outs } = await checkAndCreate(p, { ...args(), hostPort: 2700 });
    try {
      fs.writeFileSync(qemu.paths.metaFile, JSON.stringify({ instanceId: "i-2", argv: [] }));
      const r = await makeProvider("PortForward", testContext()).read!(id, outs);
      expect(r.props).toMatchObject({ vmInstanceId: "i-2", active: true });
      const d = await p.diff!(id, r.props!, (await p.check!({}, { ...args(), hostPort: 2700 })).inputs);
      expect(d).toMatchObject({ changes: true, replaces: ["vmInstanceId"], deleteBeforeReplace: true });
    } finally {
      fs.rmSync(qemu.paths.metaFile, { force: true });
      await p.delete!(id, outs);
    }
  });

  test("an update whose new port is taken fails with the fix and leaves the old forward working", async () => {
    const p = makeProvider("PortForward", testContext());
    const { id, outs } = await checkAndCreate(p, { ...args(), hostPort: 2800 });
    await withQmp(qemu.paths.qmpSocket, (qmp) => qmp.hmp("hostfwd_add net1 tcp:127.0.0.1:2801-:80"));
    try {
      await expect(checkAndUpdate(p, id, outs, { ...args(), hostPort: 2801 })).rejects.toThrow(
        /PortForward "ssh": update failed: QEMU refused `hostfwd_add net0 tcp:127\.0\.0\.1:2801-:22`[\s\S]*fix: choose another hostPort/,
      );
      const l = listeners(netns);
      expect(l).toContain("tcp 127.0.0.1:2800");
      expect(parseUsernet(await usernet(qemu)).get("net0")).toEqual([{ protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2800, guestAddress: "10.0.2.15", guestPort: 22 }]);
    } finally {
      await withQmp(qemu.paths.qmpSocket, (qmp) => qmp.hmp("hostfwd_remove net1 tcp:127.0.0.1:2801"));
      await p.delete!(id, outs);
    }
  });

  test("an unknown netdev is named with the VM's netdevs", async () => {
    const p = makeProvider("PortForward", testContext());
    await expect(checkAndCreate(p, { ...args(), netdev: "net7" })).rejects.toThrow(/has no user-mode netdev "net7" \(its user-mode netdevs: net0, net1\)/);
  });

  test("a VM that is not running: create names the QemuVm and the fix; read is gone; delete succeeds", async () => {
    const p = makeProvider("PortForward", testContext());
    const absent = { ...args(), vm: "not-running" };
    await expect(checkAndCreate(p, absent)).rejects.toThrow(/QemuVm "not-running" is not running \(QMP socket .*not-running\/qmp\.sock: socket does not exist[\s\S]*fix: create\/start the QemuVm/);
    const checked = (await p.check!({}, absent)).inputs;
    const state = { ...checked, rule: "tcp:127.0.0.1:2222-:22", active: true, created: true };
    expect((await p.read!("x", state)).id).toBeUndefined();
    await p.delete!("x", state);
  });

  test("300 forwards created concurrently, then refreshed together by a new provider, all land and all read active", async () => {
    const p = makeProvider("PortForward", testContext());
    const N = 300;
    let t = Date.now();
    const made = await Promise.all(Array.from({ length: N }, (_x, i) => checkAndCreate(p, { ...args(), __resourceName: `f${i}`, hostPort: 3000 + i })));
    const createMs = Date.now() - t;
    try {
      expect(parseUsernet(await usernet(qemu)).get("net0")).toHaveLength(N);
      const refresh = makeProvider("PortForward", testContext()); // a refresh: new process, nothing cached
      t = Date.now();
      const reads = await Promise.all(made.map((m) => refresh.read!(m.id, m.outs)));
      const readMs = Date.now() - t;
      expect(reads.every((r) => r.props?.active === true)).toBe(true);
      // Figures only (performance is asserted in bench/, not in tests); sharing one query is unit-tested.
      console.log(`PortForward: ${N} concurrent creates ${createMs} ms, ${N} concurrent reads ${readMs} ms`);
    } finally {
      await Promise.all(made.map((m) => p.delete!(m.id, m.outs)));
    }
    expect(parseUsernet(await usernet(qemu)).get("net0")).toEqual([]);
  });
});
