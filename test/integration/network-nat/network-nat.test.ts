import { existsSync, rmSync } from "node:fs";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { namespacesPerTest, sh } from "../../support/netns";
import { makeProvider } from "../../../provider/kinds";
import { HostRegistry } from "../../../provider/host/host-registry";
import { ipForwardClaimPath } from "../../../provider/host/nft/ip-forward";
import { applyNatTable } from "../../../provider/host/nft/nat-ops";
import { noNatTable, planNatTable } from "../../../provider/host/nft/nat-model";
import { parseNatTable, parseTableHeader } from "../../../provider/host/nft/nat-parse";
import { ExecaRunner } from "../../../provider/host/runner/execa-runner";
import type { CommandRunner } from "../../../provider/host/runner/types";
import { buildLab, connectOnce, GUEST_ADDRESS, LAN, Listeners, ROUTER_LAN_ADDRESS, ROUTER_UP_ADDRESS, UPSTREAM_ADDRESS } from "./peers";

const nft = (ns: string, ...args: string[]) => sh(["ip", "netns", "exec", ns, "nft", ...args]);
const ipForward = (ns: string) => sh(["ip", "netns", "exec", ns, "sysctl", "-n", "net.ipv4.ip_forward"]).trim();
const tablesIn = (ns: string) => nft(ns, "list", "tables");
/** The table as nft -j reads it now, in the model (the test re-reads the kernel, not the provider's answer). */
const liveTable = (ns: string, table: string) => parseNatTable(nft(ns, "-j", "list", "table", "ip", table), table, parseTableHeader(nft(ns, "list", "table", "ip", table)));
/** The handle of the one rule of `chain` whose text contains `needle`. */
function handleOf(ns: string, table: string, chain: string, needle: string): string {
  const line = nft(ns, "-a", "list", "chain", "ip", table, chain).split("\n").find((l) => l.includes(needle));
  const handle = /# handle (\d+)/.exec(line ?? "")?.[1];
  if (!handle) throw new Error(`no rule with "${needle}" in chain ${chain}`);
  return handle;
}

const OWNER = "proj/dev/nat#0123456789ab";
const OTHER = "proj/dev/nat-b#0123456789ab";
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
  const routers: string[] = [];
  /** A lab whose router's ip_forward claim is removed after the test even when it fails part-way. */
  const newLab = () => {
    const lab = buildLab(spaces);
    routers.push(lab.router);
    return lab;
  };
  afterEach(async () => {
    await listeners.stopAll();
    for (const r of routers.splice(0)) rmSync(ipForwardClaimPath(r), { force: true });
  });

  test("masquerade takes the guest out, DNAT brings upstream in; delete undoes both and restores ip_forward", async () => {
    const lab = newLab();
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
    // DNAT (output): the router's own connection to its address is forwarded too, but not one to loopback.
    expect(await connectOnce(lab.router, ROUTER_UP_ADDRESS, 8080)).toBe(`guest ${ROUTER_UP_ADDRESS}`);
    expect(await connectOnce(lab.router, "127.0.0.1", 8080)).toBe("ERR ECONNREFUSED");
    // A neighbour's packet to 127.0.0.2:8080 (upstream routes loopback to the router) is not DNAT'ed to the guest:
    // the router drops it as a martian. The guest counts what reaches its port 80.
    sh(["ip", "-n", lab.upstream, "route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local"]);
    sh(["ip", "-n", lab.upstream, "route", "add", "127.0.0.2/32", "via", ROUTER_UP_ADDRESS]);
    nft(lab.guest, "add", "table", "ip", "probe", "{ chain in { type filter hook input priority 0; tcp dport 80 counter; }; }");
    const probed = () => /packets (\d+)/.exec(nft(lab.guest, "list", "table", "ip", "probe"))![1];
    const before = probed();
    expect(await connectOnce(lab.upstream, "127.0.0.2", 8080)).toMatch(/^ERR/);
    expect(probed()).toBe(before);
    // Hairpin: the guest reaches itself through the router's forwarded port; it sees the router's LAN address.
    expect(await connectOnce(lab.guest, ROUTER_UP_ADDRESS, 8080)).toBe(`guest ${ROUTER_LAN_ADDRESS}`);

    expect(existsSync(ipForwardClaimPath(lab.router))).toBe(true);
    await p.delete!(id, outs);
    expect(tablesIn(lab.router)).not.toContain("qemu_lab_nat_lab");
    expect(ipForward(lab.router)).toBe("0");
    expect(existsSync(ipForwardClaimPath(lab.router))).toBe(false);
    expect(await connectOnce(lab.guest, UPSTREAM_ADDRESS, 7000)).toMatch(/^ERR/);
    expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 8080)).toBe("ERR ECONNREFUSED");
    await p.delete!(id, outs); // already gone: success
  });

  test("a rule deleted by hand, the table deleted, ip_forward turned off: refresh shows drift, update repairs", async () => {
    const lab = newLab();
    await listeners.start(lab.guest, 80, "guest");
    const p = makeProvider("NetworkNat", testContext());
    const { id, outs } = await checkAndCreate(p, natArgs(lab.router));
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
    expect((noTable.props as Record<string, any>).ruleset).toEqual(noNatTable());
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
    expect(nft(lab.router, "list", "table", "ip", "qemu_lab_nat_lab")).toContain(`comment "pulumi-qemu-lab:${OWNER}"`); // the label survives a rewrite

    // The namespace gone: the resource is gone, and deleting it succeeds.
    sh(["ip", "netns", "delete", lab.router]);
    expect((await makeProvider("NetworkNat", testContext()).read!(id, moved.outs!)).id).toBeUndefined();
    await p.delete!(id, moved.outs!);
    expect(existsSync(ipForwardClaimPath(lab.router))).toBe(false); // the claim went with the namespace
  });

  test("foreign tables are untouched byte for byte; a same-named table of another owner is refused; a failed load changes nothing", async () => {
    const lab = newLab();
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
    const lab = newLab();
    const p = makeProvider("NetworkNat", testContext());
    const a = await checkAndCreate(p, natArgs(lab.router, { name: "a", forwards: [] }));
    // Another resource: another owner label (one label's other tables are its leftovers, which create removes).
    const b = await checkAndCreate(p, natArgs(lab.router, { name: "b", sourceCidr: "10.20.0.0/16", forwards: [], __owner: OTHER }));
    expect([a.outs.ipForwardChanged, b.outs.ipForwardChanged]).toEqual([true, false]);
    await p.delete!(a.id, a.outs);
    expect(ipForward(lab.router)).toBe("1"); // b still needs it
    expect(tablesIn(lab.router)).toContain("qemu_lab_nat_b");
    await p.delete!(b.id, b.outs);
    expect(ipForward(lab.router)).toBe("0"); // the last NAT to go: a NAT (a) turned it on
    expect(existsSync(ipForwardClaimPath(lab.router))).toBe(false);

    sh(["ip", "netns", "exec", lab.router, "sysctl", "-w", "net.ipv4.ip_forward=0"]);
    const c = await checkAndCreate(p, natArgs(lab.router, { name: "c", forwards: [] }));
    const d = await checkAndCreate(p, natArgs(lab.router, { name: "d", sourceCidr: "10.20.0.0/16", forwards: [], __owner: OTHER }));
    await p.delete!(d.id, d.outs);
    expect(ipForward(lab.router)).toBe("1");
    await p.delete!(c.id, c.outs);
    expect(ipForward(lab.router)).toBe("0"); // the last one, and the one that turned it on

    // Forwarding no NetworkNat turned on is left on.
    sh(["ip", "netns", "exec", lab.router, "sysctl", "-w", "net.ipv4.ip_forward=1"]);
    const e = await checkAndCreate(p, natArgs(lab.router, { name: "e", forwards: [] }));
    expect(e.outs.ipForwardChanged).toBe(false);
    await p.delete!(e.id, e.outs);
    expect(ipForward(lab.router)).toBe("1");
  });

  test("a dormant flag, a set added to the table, a chain policy changed: each is drift, and update repairs it", async () => {
    const lab = newLab();
    await listeners.start(lab.guest, 80, "guest");
    const p = makeProvider("NetworkNat", testContext());
    const { id, outs } = await checkAndCreate(p, natArgs(lab.router));
    const plan = planNatTable({ sourceCidr: LAN, outInterface: "rup", forwards: [forward as never] });
    const edits: [string, string[], (t: ReturnType<typeof liveTable>) => unknown][] = [
      ["dormant", ["add", "table", "ip", "qemu_lab_nat_lab", "{ flags dormant; }"], (t) => t.flags],
      ["a set", ["add", "set", "ip", "qemu_lab_nat_lab", "s", "{ type ipv4_addr; }"], (t) => t.foreign],
      ["a policy", ["add", "chain", "ip", "qemu_lab_nat_lab", "postrouting", "{ policy drop; }"], (t) => t.chains[2]?.policy],
    ];
    const seen: unknown[] = [];
    let state = outs;
    for (const [label, edit, part] of edits) {
      nft(lab.router, ...edit);
      if (label === "dormant") expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 8080)).toMatch(/^ERR/); // no NAT at all
      const drifted = (await makeProvider("NetworkNat", testContext()).read!(id, state)).props as Record<string, any>;
      seen.push(part(drifted.ruleset));
      const { diff, outs: repaired } = await checkAndUpdate(p, id, drifted, natArgs(lab.router));
      expect(diff).toMatchObject({ changes: true, replaces: [] });
      expect(liveTable(lab.router, "qemu_lab_nat_lab")).toEqual(plan);
      expect(await connectOnce(lab.upstream, ROUTER_UP_ADDRESS, 8080)).toBe(`guest ${UPSTREAM_ADDRESS}`);
      state = repaired!;
    }
    expect(seen).toEqual([["dormant"], ["set s"], "drop"]);
    await p.delete!(id, state);
  });

  test("a create that fails after turning ip_forward on leaves no table and forwarding off", async () => {
    const lab = newLab();
    const real = new ExecaRunner();
    // sysctl -w really runs, then "fails": the undo must still turn forwarding off.
    const failing: CommandRunner = {
      async run(argv, options) {
        const r = await real.run(argv, options);
        if (argv.includes("net.ipv4.ip_forward=1")) throw new Error("injected failure after sysctl -w");
        return r;
      },
    };
    await expect(checkAndCreate(makeProvider("NetworkNat", testContext(failing)), natArgs(lab.router))).rejects.toThrow(/injected failure/);
    expect(tablesIn(lab.router)).not.toContain("qemu_lab_nat_lab");
    expect(ipForward(lab.router)).toBe("0");
    expect(existsSync(ipForwardClaimPath(lab.router))).toBe(false);
  });

  test("a create removes its own interrupted try (another auto-name); delete refuses a same-named table of another owner", async () => {
    const lab = newLab();
    const p = makeProvider("NetworkNat", testContext());
    // The try Pulumi never recorded, and another owner's NAT in the same namespace.
    await checkAndCreate(p, natArgs(lab.router, { name: "lab-aaaaa", forwards: [] }));
    const theirs = await checkAndCreate(p, natArgs(lab.router, { name: "theirs", forwards: [], __owner: "other/dev/nat#ffffffffffff" }));
    const ours = await checkAndCreate(p, natArgs(lab.router, { name: "lab-bbbbb", forwards: [] }));
    expect(tablesIn(lab.router)).not.toContain("qemu_lab_nat_lab-aaaaa");
    expect(tablesIn(lab.router)).toContain("qemu_lab_nat_theirs");

    // Ours removed by hand, and another owner makes a table of the same name: delete leaves it alone.
    nft(lab.router, "delete", "table", "ip", "qemu_lab_nat_lab-bbbbb");
    const second = await checkAndCreate(p, natArgs(lab.router, { name: "lab-bbbbb", forwards: [], __owner: "other/dev/nat2#ffffffffffff" }));
    const before = nft(lab.router, "list", "table", "ip", "qemu_lab_nat_lab-bbbbb");
    await expect(p.delete!(ours.id, ours.outs)).rejects.toThrow(/carries comment "pulumi-qemu-lab:other\/dev\/nat2#ffffffffffff".*Not deleted.*nft delete table ip qemu_lab_nat_lab-bbbbb/s);
    expect(nft(lab.router, "list", "table", "ip", "qemu_lab_nat_lab-bbbbb")).toBe(before);
    await p.delete!(theirs.id, theirs.outs);
    await p.delete!(second.id, second.outs);
    expect(ipForward(lab.router)).toBe("0");
  });
});
