import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { namespacesPerTest, sh } from "../../support/netns";
import { makeProvider } from "../../../provider/kinds";
import { HostRegistry } from "../../../provider/host/host-registry";
import { applyNatTable } from "../../../provider/host/nft/nat-ops";
import { planNatTable } from "../../../provider/host/nft/nat-model";
import { parseNatTable } from "../../../provider/host/nft/nat-parse";
import { buildLab, connectOnce, GUEST_ADDRESS, LAN, Listeners, ROUTER_UP_ADDRESS, UPSTREAM_ADDRESS } from "./peers";

const nft = (ns: string, ...args: string[]) => sh(["ip", "netns", "exec", ns, "nft", ...args]);
const ipForward = (ns: string) => sh(["ip", "netns", "exec", ns, "sysctl", "-n", "net.ipv4.ip_forward"]).trim();
const tablesIn = (ns: string) => nft(ns, "list", "tables");
/** The table as nft -j reads it now, in the model (the test re-reads the kernel, not the provider's answer). */
const liveTable = (ns: string, table: string) => parseNatTable(nft(ns, "-j", "list", "table", "ip", table), table);
/** The handle of the one rule of `chain` whose text contains `needle`. */
function handleOf(ns: string, table: string, chain: string, needle: string): string {
  const line = nft(ns, "-a", "list", "chain", "ip", table, chain).split("\n").find((l) => l.includes(needle));
  const handle = /# handle (\d+)/.exec(line ?? "")?.[1];
  if (!handle) throw new Error(`no rule with "${needle}" in chain ${chain}`);
  return handle;
}

const OWNER = "proj/dev/nat#0123456789ab";
const forward = { protocol: "tcp", hostPort: 8080, toAddress: GUEST_ADDRESS, toPort: 80 };
const natArgs = (router: string, over: Record<string, unknown> = {}) => ({
  name: "lab",
  sourceCidr: LAN,
  outInterface: "rup",
  forwards: [forward],
  host: { netns: router },
  __owner: OWNER,
  ...over,
});

describe("NetworkNat on the real host (upstream, router and guest namespaces)", () => {
  const spaces = namespacesPerTest();
  const listeners = new Listeners();
  afterEach(() => listeners.stopAll());

  test("masquerade takes the guest out, DNAT brings upstream in; delete undoes both and restores ip_forward", async () => {
    const lab = buildLab(spaces);
    await listeners.start(lab.upstream, 7000, "upstream");
    await listeners.start(lab.guest, 80, "guest");
    // Without the NAT: the router does not forward, and nothing listens on its 8080.
    expect(ipForward(lab.router)).toBe("0");
    expect(await connectOnce(lab.guest, UPSTREAM_ADDRESS, 7000)).toMatch(/^ERR/);
    expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 8080)).toBe("ERR ECONNREFUSED");

    const p = makeProvider("NetworkNat", testContext());
    const { id, outs } = await checkAndCreate(p, natArgs(lab.router));
    expect(outs).toMatchObject({ table: "qemu_lab_nat_lab", ipForward: true, ipForwardChanged: true });
    expect(ipForward(lab.router)).toBe("1");
    expect(nft(lab.router, "list", "table", "ip", "qemu_lab_nat_lab")).toContain(`comment "pulumi-qemu-lab:${OWNER}"`);

    // Masquerade: upstream has no route to the LAN, and sees the router's upstream address.
    expect(await connectOnce(lab.guest, UPSTREAM_ADDRESS, 7000)).toBe(`upstream ${ROUTER_UP_ADDRESS}`);
    // DNAT (prerouting): upstream reaches the guest, which sees upstream's own address.
    expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 8080)).toBe(`guest ${UPSTREAM_ADDRESS}`);
    // DNAT (output): the router's own connection to its address is forwarded too.
    expect(await connectOnce(lab.router, ROUTER_UP_ADDRESS, 8080)).toBe(`guest ${ROUTER_UP_ADDRESS}`);

    await p.delete!(id, outs);
    expect(tablesIn(lab.router)).not.toContain("qemu_lab_nat_lab");
    expect(ipForward(lab.router)).toBe("0");
    expect(await connectOnce(lab.guest, UPSTREAM_ADDRESS, 7000)).toMatch(/^ERR/);
    expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 8080)).toBe("ERR ECONNREFUSED");
    await p.delete!(id, outs); // already gone: success
  });

  test("a rule deleted by hand, the table deleted, ip_forward turned off: refresh shows drift, update repairs", async () => {
    const lab = buildLab(spaces);
    await listeners.start(lab.guest, 80, "guest");
    const p = makeProvider("NetworkNat", testContext());
    const { id, inputs, outs } = await checkAndCreate(p, natArgs(lab.router));
    const plan = planNatTable({ sourceCidr: LAN, outInterface: "rup", forwards: [forward as never] });
    expect(outs.ruleset).toEqual(plan);
    expect((await makeProvider("NetworkNat", testContext()).read!(id, outs)).props).toEqual(outs); // no drift

    nft(lab.router, "delete", "rule", "ip", "qemu_lab_nat_lab", "prerouting", "handle", handleOf(lab.router, "qemu_lab_nat_lab", "prerouting", "dport 8080"));
    expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 8080)).toMatch(/^ERR/);
    const drifted = (await makeProvider("NetworkNat", testContext()).read!(id, outs)).props as Record<string, any>;
    expect(drifted.ruleset.chains[0]).toMatchObject({ name: "prerouting", rules: [] });
    expect(drifted.ruleset.chains.slice(1)).toEqual(plan.chains.slice(1));
    const { diff, outs: repaired } = await checkAndUpdate(p, id, drifted, natArgs(lab.router));
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    expect(repaired?.ruleset).toEqual(plan);
    expect(liveTable(lab.router, "qemu_lab_nat_lab")).toEqual(plan);
    expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 8080)).toBe(`guest ${UPSTREAM_ADDRESS}`);

    // The whole table deleted by hand: still there for Pulumi, with no chains; update writes it again.
    nft(lab.router, "delete", "table", "ip", "qemu_lab_nat_lab");
    const noTable = await makeProvider("NetworkNat", testContext()).read!(id, repaired!);
    expect(noTable.id).toBe(id);
    expect((noTable.props as Record<string, any>).ruleset).toEqual({ chains: [] });
    const again = await checkAndUpdate(p, id, noTable.props!, natArgs(lab.router));
    expect(again.diff.replaces).toEqual([]);
    expect(liveTable(lab.router, "qemu_lab_nat_lab")).toEqual(plan);

    // ip_forward turned off by hand: drift; update turns it on and keeps "we changed it" for delete.
    sh(["ip", "netns", "exec", lab.router, "sysctl", "-w", "net.ipv4.ip_forward=0"]);
    const off = (await makeProvider("NetworkNat", testContext()).read!(id, again.outs!)).props as Record<string, any>;
    expect(off.ipForward).toBe(false);
    const on = await checkAndUpdate(p, id, off, natArgs(lab.router));
    expect(on.outs).toMatchObject({ ipForward: true, ipForwardChanged: true });
    expect(ipForward(lab.router)).toBe("1");

    // A change of forwards rewrites the table in place.
    const moved = await checkAndUpdate(p, id, on.outs!, natArgs(lab.router, { forwards: [{ ...forward, hostPort: 9090 }] }));
    expect(moved.diff.replaces).toEqual([]);
    expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 9090)).toBe(`guest ${UPSTREAM_ADDRESS}`);
    expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 8080)).toBe("ERR ECONNREFUSED");
    expect(inputs.__owner).toBe(OWNER);

    // The namespace gone: the resource is gone, and deleting it succeeds.
    sh(["ip", "netns", "delete", lab.router]);
    expect((await makeProvider("NetworkNat", testContext()).read!(id, moved.outs!)).id).toBeUndefined();
    await p.delete!(id, moved.outs!);
  });

  test("foreign tables are untouched byte for byte; a same-named table of another owner is refused; a failed load changes nothing", async () => {
    const lab = buildLab(spaces);
    sh(["ip", "netns", "exec", lab.router, "nft", "-f", "-"], {
      input:
        "table ip foreign {\n\tchain post {\n\t\ttype nat hook postrouting priority 50; policy accept;\n\t\tip saddr 10.9.0.0/16 counter masquerade\n\t}\n}\n" +
        "table ip6 qemu_lab_nat_lab {\n\tchain pre {\n\t\ttype nat hook prerouting priority -100; policy accept;\n\t}\n}\n" +
        "table inet filter {\n\tchain filt {\n\t\ttype filter hook forward priority 0; policy accept;\n\t\tct state established accept\n\t}\n}\n",
    });
    const foreign = () => [nft(lab.router, "list", "table", "ip", "foreign"), nft(lab.router, "list", "table", "ip6", "qemu_lab_nat_lab"), nft(lab.router, "list", "table", "inet", "filter")];
    const before = foreign();

    const p = makeProvider("NetworkNat", testContext());
    const { id, outs } = await checkAndCreate(p, natArgs(lab.router));
    const updated = await checkAndUpdate(p, id, outs, natArgs(lab.router, { outInterface: undefined, forwards: [] }));
    expect(updated.outs?.ruleset).toEqual(planNatTable({ sourceCidr: LAN, forwards: [] }));
    expect(foreign()).toEqual(before);

    // Another stack's NAT of the same name in the same namespace: refused, ours left as it is.
    const ours = nft(lab.router, "list", "table", "ip", "qemu_lab_nat_lab");
    await expect(checkAndCreate(makeProvider("NetworkNat", testContext()), natArgs(lab.router, { __owner: "other/dev/nat#ffffffffffff" }))).rejects.toThrow(
      /table ip qemu_lab_nat_lab already exists in network namespace .*comment "pulumi-qemu-lab:proj\/dev\/nat#0123456789ab".*choose another name/s,
    );
    expect(nft(lab.router, "list", "table", "ip", "qemu_lab_nat_lab")).toBe(ours);
    // The same resource again (a create interrupted before Pulumi recorded it): resumed.
    const resumed = await checkAndCreate(makeProvider("NetworkNat", testContext()), natArgs(lab.router));
    expect(resumed.outs.ruleset).toEqual(outs.ruleset);

    // A load the kernel refuses (DNAT in an input chain) changes nothing: one transaction.
    const now = nft(lab.router, "list", "table", "ip", "qemu_lab_nat_lab");
    const host = new HostRegistry().hostFor({ netns: lab.router });
    const bad = planNatTable({ sourceCidr: LAN, forwards: [forward as never] });
    bad.chains[0] = { ...bad.chains[0]!, hook: "input" };
    await expect(applyNatTable(host, "qemu_lab_nat_lab", undefined, bad)).rejects.toThrow(/nft -f -/);
    expect(nft(lab.router, "list", "table", "ip", "qemu_lab_nat_lab")).toBe(now);

    await p.delete!(id, resumed.outs);
    expect(tablesIn(lab.router)).not.toMatch(/table ip qemu_lab_nat_lab\n/);
    expect(foreign()).toEqual(before);
  });

  test("two NATs in one namespace: ip_forward stays on while another remains, and only the one that turned it on turns it off", async () => {
    const lab = buildLab(spaces);
    const p = makeProvider("NetworkNat", testContext());
    const a = await checkAndCreate(p, natArgs(lab.router, { name: "a", forwards: [] }));
    const b = await checkAndCreate(p, natArgs(lab.router, { name: "b", sourceCidr: "10.20.0.0/16", forwards: [] }));
    expect([a.outs.ipForwardChanged, b.outs.ipForwardChanged]).toEqual([true, false]);
    await p.delete!(a.id, a.outs);
    expect(ipForward(lab.router)).toBe("1"); // b still needs it
    expect(tablesIn(lab.router)).toContain("qemu_lab_nat_b");
    await p.delete!(b.id, b.outs);
    expect(ipForward(lab.router)).toBe("1"); // b found it on: not b's to turn off (documented)

    sh(["ip", "netns", "exec", lab.router, "sysctl", "-w", "net.ipv4.ip_forward=0"]);
    const c = await checkAndCreate(p, natArgs(lab.router, { name: "c", forwards: [] }));
    const d = await checkAndCreate(p, natArgs(lab.router, { name: "d", sourceCidr: "10.20.0.0/16", forwards: [] }));
    await p.delete!(d.id, d.outs);
    expect(ipForward(lab.router)).toBe("1");
    await p.delete!(c.id, c.outs);
    expect(ipForward(lab.router)).toBe("0"); // the last one, and the one that turned it on
  });
});
