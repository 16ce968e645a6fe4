import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { linkIn, sh, namespacesPerTest } from "../../support/netns";
import { makeProvider } from "../../../provider/kinds";

const isUp = (l: Record<string, any> | undefined): boolean => Boolean(l?.flags?.includes("UP"));

describe("VethPair on the real host (in test namespaces)", () => {
  const spaces = namespacesPerTest();

  test("create in one namespace, read, drift, update, delete of a gone pair", async () => {
    const ns = spaces.create("qlve");
    const p = makeProvider("VethPair", testContext());
    const { id, outs } = await checkAndCreate(p, { name: "va0", peerName: "vb0", host: { netns: ns } });
    expect(id).toBe("va0");
    const a = linkIn(ns, "va0");
    const b = linkIn(ns, "vb0");
    expect(a?.linkinfo?.info_kind).toBe("veth");
    expect(a?.link).toBe("vb0");
    expect(isUp(a) && isUp(b)).toBe(true);
    expect(outs).toMatchObject({ name: "va0", peerName: "vb0", up: true, created: true, macAddress: a!.address, peerMacAddress: b!.address, ifindex: a!.ifindex });

    const fresh = makeProvider("VethPair", testContext()); // a new process's view
    expect((await fresh.read!(id, outs)).props).toEqual(outs);

    sh(["ip", "-n", ns, "link", "set", "vb0", "down"]); // drift on the peer
    // A new context: a refresh runs in a new provider process (a live one shares its snapshot for up to 1 s).
    const drifted = (await makeProvider("VethPair", testContext()).read!(id, outs)).props as Record<string, any>;
    expect(drifted.up).toBe(false);

    const { diff, outs: updated } = await checkAndUpdate(fresh, id, drifted, { name: "va0", peerName: "vb0", host: { netns: ns } });
    expect(diff.replaces).toEqual([]);
    expect(updated?.up).toBe(true);
    expect(isUp(linkIn(ns, "vb0"))).toBe(true);

    const down = await checkAndUpdate(fresh, id, updated!, { name: "va0", peerName: "vb0", up: false, host: { netns: ns } });
    expect(down.outs?.up).toBe(false);
    expect(isUp(linkIn(ns, "va0")) || isUp(linkIn(ns, "vb0"))).toBe(false);

    sh(["ip", "-n", ns, "link", "delete", "vb0"]); // removing one end removes both
    expect((await makeProvider("VethPair", testContext()).read!(id, outs)).id).toBeUndefined();
    await fresh.delete!(id, outs); // already gone: success
    expect(linkIn(ns, "va0")).toBeUndefined();
  });

  test("peer in another namespace; delete removes both ends", async () => {
    const ns = spaces.create("qlve");
    const other = spaces.create("qlvp");
    const p = makeProvider("VethPair", testContext());
    const { id, outs } = await checkAndCreate(p, { name: "vx", peerName: "vx", peerNetns: other, host: { netns: ns } });
    const a = linkIn(ns, "vx");
    const b = linkIn(other, "vx");
    expect(a?.link_index).toBe(b?.ifindex);
    expect(isUp(a) && isUp(b)).toBe(true);
    expect(outs).toMatchObject({ peerNetns: other, peerIfindex: b!.ifindex, up: true });
    expect((await makeProvider("VethPair", testContext()).read!(id, outs)).props).toEqual(outs);

    await p.delete!(id, outs);
    expect(linkIn(ns, "vx")).toBeUndefined();
    expect(linkIn(other, "vx")).toBeUndefined();
  });

  test("refuses to take over an existing pair unless adopt; adopted pairs stay on delete; foreign links are never taken", async () => {
    const ns = spaces.create("qlve");
    sh(["ip", "-n", ns, "link", "add", "old0", "type", "veth", "peer", "name", "old1"]);
    sh(["ip", "-n", ns, "link", "add", "dum0", "type", "bridge"]);
    const p = makeProvider("VethPair", testContext());
    await expect(checkAndCreate(p, { name: "old0", peerName: "old1", host: { netns: ns } })).rejects.toThrow(/already exists.*adopt: true/);
    await expect(checkAndCreate(p, { name: "old0", peerName: "zzz", host: { netns: ns }, adopt: true })).rejects.toThrow(/its peer is not "zzz"/);
    await expect(checkAndCreate(p, { name: "dum0", peerName: "x1", host: { netns: ns }, adopt: true })).rejects.toThrow(/bridge link.*not a veth/);
    await expect(checkAndCreate(p, { name: "new0", peerName: "dum0", host: { netns: ns } })).rejects.toThrow(/"dum0" already exists.*peerName/);
    expect(linkIn(ns, "new0")).toBeUndefined(); // nothing half-made

    const { id, outs } = await checkAndCreate(p, { name: "old0", peerName: "old1", host: { netns: ns }, adopt: true });
    expect(outs).toMatchObject({ created: false, up: true });
    expect(isUp(linkIn(ns, "old1"))).toBe(true); // converged to up: true
    await p.delete!(id, outs);
    expect(linkIn(ns, "old0")).toBeDefined();
  });

  test("a pair left by an interrupted create carries our label: the same resource resumes it, another is refused", async () => {
    const ns = spaces.create("qlvo");
    const owner = "lab/dev/veth";
    const first = await checkAndCreate(makeProvider("VethPair", testContext()), { name: "vo0", peerName: "vo1", host: { netns: ns }, __owner: owner });
    expect(linkIn(ns, "vo0")?.ifalias).toBe(`pulumi-qemu-lab:${owner}`);
    expect(isUp(linkIn(ns, "vo0")) && isUp(linkIn(ns, "vo1"))).toBe(true);
    sh(["ip", "-n", ns, "link", "set", "vo0", "down"]); // half-converged when the provider "died"
    await expect(
      checkAndCreate(makeProvider("VethPair", testContext()), { name: "vo0", peerName: "vo1", host: { netns: ns }, __owner: "lab/dev/other" }),
    ).rejects.toThrow(/already exists.*adopt: true/);
    const resumed = await checkAndCreate(makeProvider("VethPair", testContext()), { name: "vo0", peerName: "vo1", host: { netns: ns }, __owner: owner });
    expect(resumed.outs.created).toBe(true);
    expect(isUp(linkIn(ns, "vo0"))).toBe(true);
    await makeProvider("VethPair", testContext()).delete!(resumed.id, resumed.outs);
    expect(linkIn(ns, "vo0")).toBeUndefined();
    expect(first.id).toBe("vo0");
  });

  test("a failing create names the command and undoes nothing it did not make", async () => {
    const ns = spaces.create("qlve");
    const p = makeProvider("VethPair", testContext());
    // The peer namespace does not exist: the error names the resource, the argv, the exit code and stderr; nothing is left behind.
    await expect(checkAndCreate(p, { name: "vf", peerName: "vg", peerNetns: "qlnone-404", host: { netns: ns } })).rejects.toThrow(
      /VethPair "vf": create failed: command failed with exit code \d+: ip -n qlnone-404 .*stderr: Cannot open network namespace "qlnone-404"/s,
    );
    expect(linkIn(ns, "vf")).toBeUndefined();
  });
});
