import { canonicalCidrList } from "../../../provider/host/ip/cidr-list";
import { ExecaRunner } from "../../../provider/host/runner/execa-runner";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { linkIn, linksIn, sh, namespacesPerTest } from "../../support/netns";
import { CountingRunner } from "../../support/counting-runner";
import { makeProvider } from "../../../provider/kinds";

/** What the kernel says about a bridge, re-read with a separate `ip` (not through the code under test). */
function kernelBridge(ns: string, name: string) {
  const l = linkIn(ns, name);
  if (!l) return undefined;
  return {
    kind: l.linkinfo?.info_kind as string | undefined,
    addresses: canonicalCidrList(
      (l.addr_info as Array<Record<string, any>>).filter((a) => !(a.family === "inet6" && a.scope === "link")).map((a) => `${a.local}/${a.prefixlen}`),
    ),
    mtu: l.mtu as number,
    stp: l.linkinfo?.info_data?.stp_state !== 0,
    up: (l.flags as string[]).includes("UP"),
  };
}

describe("Bridge on the real host (inside test namespaces)", () => {
  const spaces = namespacesPerTest();

  test("create, read, update, delete; the MTU holds when a port joins; delete is idempotent", async () => {
    const ns = spaces.create("qlbr");
    const p = makeProvider("Bridge", testContext());
    const args = { name: "br0", addresses: ["FD00:10:0::1/64", "10.10.0.1/24", "10.10.0.3/24"], mtu: 1400, host: { netns: ns } };
    const { id, inputs, outs } = await checkAndCreate(p, args);
    const link = linkIn(ns, "br0")!;
    expect(kernelBridge(ns, "br0")).toEqual({ kind: "bridge", addresses: ["10.10.0.1/24", "10.10.0.3/24", "fd00:10::1/64"], mtu: 1400, stp: false, up: true });
    expect(outs).toEqual({
      name: "br0",
      addresses: ["10.10.0.1/24", "10.10.0.3/24", "fd00:10::1/64"],
      mtu: 1400,
      stp: false,
      up: true,
      adopt: false,
      host: { netns: ns },
      macAddress: link.address,
      ifindex: link.ifindex,
      created: true,
    });
    expect((await p.read!(id, outs)).props).toEqual(outs);
    expect((await p.diff!(id, outs, inputs)).changes).toBe(false);

    // A port with a larger MTU joins: the kernel keeps an MTU that was set explicitly.
    sh(["ip", "-n", ns, "link", "add", "vp0", "mtu", "1500", "type", "veth", "peer", "name", "vp1"]);
    sh(["ip", "-n", ns, "link", "set", "vp0", "master", "br0"]);
    expect(kernelBridge(ns, "br0")!.mtu).toBe(1400);

    // Remove the primary IPv4 address (the kernel takes its secondary .3 along: update re-adds it) and
    // keep IPv6 while going down (the kernel drops IPv6 on down: update re-adds it).
    const next = { ...args, addresses: ["10.10.0.2/24", "10.10.0.3/24", "fd00:10::1/64"], mtu: 1450, stp: true, up: false };
    const upd = await checkAndUpdate(p, id, outs, next);
    expect(upd.diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    expect(kernelBridge(ns, "br0")).toEqual({ kind: "bridge", addresses: ["10.10.0.2/24", "10.10.0.3/24", "fd00:10::1/64"], mtu: 1450, stp: true, up: false });
    expect(upd.outs).toMatchObject({ addresses: ["10.10.0.2/24", "10.10.0.3/24", "fd00:10::1/64"], mtu: 1450, stp: true, up: false, created: true });

    await p.delete!(id, upd.outs!);
    expect(linkIn(ns, "br0")).toBeUndefined();
    await p.delete!(id, upd.outs!); // already gone: success
    expect((await p.read!(id, upd.outs!)).id).toBeUndefined();
  });

  const DRIFT_ARGS = { name: "br0", addresses: ["10.20.0.1/24", "10.20.0.2/24", "fd00:20::1/64"], mtu: 1400, stp: false };
  const CONVERGED = { kind: "bridge", addresses: ["10.20.0.1/24", "10.20.0.2/24", "fd00:20::1/64"], mtu: 1400, stp: false, up: true };
  test.each<[string, (ns: string) => void, Record<string, unknown>]>([
    ["an address removed by hand", (ns) => sh(["ip", "-n", ns, "addr", "del", "fd00:20::1/64", "dev", "br0"]), { addresses: ["10.20.0.1/24", "10.20.0.2/24"] }],
    [
      "the primary IPv4 address removed by hand (its secondary goes too)",
      (ns) => sh(["ip", "-n", ns, "addr", "del", "10.20.0.1/24", "dev", "br0"]),
      { addresses: ["fd00:20::1/64"] },
    ],
    [
      "a foreign address added by hand",
      (ns) => sh(["ip", "-n", ns, "addr", "add", "10.99.0.1/16", "dev", "br0"]),
      { addresses: ["10.20.0.1/24", "10.20.0.2/24", "10.99.0.1/16", "fd00:20::1/64"] },
    ],
    ["STP switched on", (ns) => sh(["ip", "-n", ns, "link", "set", "dev", "br0", "type", "bridge", "stp_state", "1"]), { stp: true }],
    ["the MTU changed", (ns) => sh(["ip", "-n", ns, "link", "set", "dev", "br0", "mtu", "1300"]), { mtu: 1300 }],
    ["set down (IPv6 addresses go with it)", (ns) => sh(["ip", "-n", ns, "link", "set", "dev", "br0", "down"]), { up: false, addresses: ["10.20.0.1/24", "10.20.0.2/24"] }],
  ])("drift: %s shows in read, diff asks for an update, update repairs it", async (_what, drift, seen) => {
    const ns = spaces.create("qldr");
    const p = makeProvider("Bridge", testContext());
    const { id, inputs, outs } = await checkAndCreate(p, { ...DRIFT_ARGS, host: { netns: ns } });
    expect(kernelBridge(ns, "br0")).toEqual(CONVERGED);

    drift(ns);
    const later = makeProvider("Bridge", testContext()); // `pulumi refresh` / `up` run in a new provider process
    const refreshed = (await later.read!(id, outs)).props as Record<string, unknown>;
    expect(refreshed).toEqual({ ...outs, ...seen });
    expect(await later.diff!(id, refreshed, inputs)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });

    const repaired = await later.update!(id, refreshed, inputs);
    expect(kernelBridge(ns, "br0")).toEqual(CONVERGED);
    expect(repaired.outs).toEqual(outs);
  });

  test("drift: a bridge deleted by hand reads as gone; update says to refresh; delete succeeds", async () => {
    const ns = spaces.create("qldg");
    const p = makeProvider("Bridge", testContext());
    const { id, inputs, outs } = await checkAndCreate(p, { name: "br0", host: { netns: ns } });
    sh(["ip", "-n", ns, "link", "del", "br0"]);
    const later = makeProvider("Bridge", testContext()); // a new provider process
    expect((await later.read!(id, outs)).id).toBeUndefined();
    await expect(later.update!(id, outs, { ...inputs, mtu: 1400 })).rejects.toThrow(/Bridge "br0": update failed: bridge "br0" no longer exists .*pulumi refresh/);
    await expect(later.delete!(id, outs)).resolves.toBeUndefined();
  });

  test("adopt: refused without it, converged with it, left in place on delete; another kind of link is never adopted", async () => {
    const ns = spaces.create("qlad");
    const x = (...a: string[]) => sh(["ip", "-n", ns, ...a]);
    x("link", "add", "br0", "type", "bridge", "stp_state", "1");
    x("addr", "add", "10.30.0.9/24", "dev", "br0");
    const p = makeProvider("Bridge", testContext());
    const args = { name: "br0", addresses: ["10.30.0.1/24"], stp: false, host: { netns: ns } };

    await expect(checkAndCreate(p, args)).rejects.toThrow(
      `Bridge "br0": create failed: a bridge named "br0" already exists in network namespace "${ns}"; set \`adopt: true\` to manage it`,
    );
    expect(kernelBridge(ns, "br0")).toEqual({ kind: "bridge", addresses: ["10.30.0.9/24"], mtu: 1500, stp: true, up: false }); // untouched

    const { id, outs } = await checkAndCreate(p, { ...args, adopt: true });
    expect(outs.created).toBe(false);
    expect(kernelBridge(ns, "br0")).toEqual({ kind: "bridge", addresses: ["10.30.0.1/24"], mtu: 1500, stp: false, up: true });
    await p.delete!(id, outs);
    expect(kernelBridge(ns, "br0")?.kind).toBe("bridge");

    x("link", "add", "ve0", "type", "veth", "peer", "name", "ve1");
    await expect(checkAndCreate(p, { name: "ve0", adopt: true, host: { netns: ns } })).rejects.toThrow(/a veth link named "ve0" already exists .*not a bridge/);
    expect(linkIn(ns, "ve0")?.linkinfo?.info_kind).toBe("veth");
  });

  test("the bridge keeps its stable MAC when a port with a lower MAC joins; a MAC changed by hand is repaired", async () => {
    const ns = spaces.create("qlmc");
    const p = makeProvider("Bridge", testContext());
    const { id, outs } = await checkAndCreate(p, { name: "br0", host: { netns: ns } });
    const mac = outs.macAddress as string;
    expect(mac).toMatch(/^52:54:00:/);
    expect(linkIn(ns, "br0")?.address).toBe(mac);
    // Without a set address the kernel would give the bridge the lowest port MAC: 02:00:… is lower than 52:54:00:….
    sh(["ip", "-n", ns, "link", "add", "vp0", "address", "02:00:00:00:00:01", "type", "veth", "peer", "name", "vp1"]);
    sh(["ip", "-n", ns, "link", "set", "vp0", "master", "br0"]);
    expect(linkIn(ns, "br0")?.address).toBe(mac);
    sh(["ip", "-n", ns, "link", "set", "dev", "br0", "address", "02:00:00:00:00:09"]);
    const drifted = (await makeProvider("Bridge", testContext()).read!(id, outs)).props as Record<string, unknown>;
    expect(drifted.macAddress).toBe("02:00:00:00:00:09");
    const { diff } = await checkAndUpdate(p, id, drifted, { name: "br0", host: { netns: ns } });
    expect(diff.changes).toBe(true);
    expect(linkIn(ns, "br0")?.address).toBe(mac);
    await p.delete!(id, outs);
  });

  test("a create interrupted before Pulumi recorded it is resumed by the next up: our ownership label, not adopt", async () => {
    const ns = spaces.create("qlow");
    const p = makeProvider("Bridge", testContext());
    const owner = "lab/dev/br0";
    // A full create writes the label.
    const first = await checkAndCreate(p, { name: "br0", host: { netns: ns }, __owner: owner });
    expect(linkIn(ns, "br0")?.ifalias).toBe(`pulumi-qemu-lab:${owner}`);
    expect(first.outs.__owner).toBe(owner);
    // The provider "was killed" after making the bridge: state never recorded it. The next up's create resumes it.
    sh(["ip", "-n", ns, "link", "set", "br0", "down"]);
    const resumed = await checkAndCreate(makeProvider("Bridge", testContext()), {
      name: "br0",
      addresses: ["10.44.0.1/24"],
      host: { netns: ns },
      __owner: owner,
    });
    expect(resumed.outs.created).toBe(true);
    expect(kernelBridge(ns, "br0")).toMatchObject({ addresses: ["10.44.0.1/24"], up: true });
    // Another resource (another owner) is still refused and told about adopt.
    await expect(
      checkAndCreate(makeProvider("Bridge", testContext()), { name: "br0", host: { netns: ns }, __owner: "lab/dev/other" }),
    ).rejects.toThrow(/already exists.*adopt: true/);
    await p.delete!(resumed.id, resumed.outs);
    expect(linkIn(ns, "br0")).toBeUndefined();
  });

  test("a veth enslaved to the bridge survives the bridge's delete (released, not deleted)", async () => {
    const ns = spaces.create("qlvp");
    const p = makeProvider("Bridge", testContext());
    const { id, outs } = await checkAndCreate(p, { name: "br0", host: { netns: ns } });
    sh(["ip", "-n", ns, "link", "add", "vp0", "type", "veth", "peer", "name", "vp1"]);
    sh(["ip", "-n", ns, "link", "set", "vp0", "master", "br0"]);
    expect(linkIn(ns, "vp0")?.master).toBe("br0");
    await p.delete!(id, outs);
    expect(linkIn(ns, "br0")).toBeUndefined();
    expect(linkIn(ns, "vp0")).toBeDefined();
    expect(linkIn(ns, "vp0")?.master).toBeUndefined();
    expect(linkIn(ns, "vp1")).toBeDefined();
  });

  test("20 bridges created concurrently through one provider land correctly with far fewer ip processes than commands", async () => {
    const ns = spaces.create("qlcc");
    const runner = new CountingRunner(new ExecaRunner());
    const p = makeProvider("Bridge", testContext(runner));
    const N = 20;
    const argsOf = (i: number) => ({ name: `cb${i}`, addresses: [`10.40.${i}.1/24`, `fd00:40:${i}::1/64`], mtu: 1400 + i, host: { netns: ns } });

    const created = await Promise.all(Array.from({ length: N }, (_, i) => checkAndCreate(p, argsOf(i))));
    // Each bridge: link add, mtu, two addresses, up = 5 writes; plus the reads.
    expect(runner.commands).toBeGreaterThanOrEqual(5 * N);
    expect(runner.processes).toBeLessThanOrEqual(8);
    for (let i = 0; i < N; i++) {
      const addresses = canonicalCidrList(argsOf(i).addresses);
      expect(kernelBridge(ns, `cb${i}`)).toEqual({ kind: "bridge", addresses, mtu: 1400 + i, stp: false, up: true });
      expect(created[i]!.outs.created).toBe(true);
    }

    runner.reset();
    const later = makeProvider("Bridge", testContext(runner)); // refresh and destroy: a new provider process
    const reads = await Promise.all(created.map((c) => later.read!(c.id, c.outs)));
    expect(reads.map((r) => r.props)).toEqual(created.map((c) => c.outs));
    expect(runner.processes).toBe(1); // one shared snapshot

    runner.reset();
    await Promise.all(created.map((c) => later.delete!(c.id, c.outs)));
    // Deletes act on a read made after they arrived (at most two for a burst), then one batch.
    expect(runner.processes).toBeLessThanOrEqual(4);
    expect(linksIn(ns).map((l) => l.ifname)).toEqual(["lo"]);
  });
});
