import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { makeProvider } from "../../../provider/kinds";
import { namespacesPerTest, sh } from "../../support/netns";
import { isLive, waitGone } from "../../support/processes";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { uidOf } from "../../../provider/host/dnsmasq/dhcp-preflight";
import { hostsReadCount } from "../../../provider/host/dnsmasq/dnsmasq-process";
import { BRIDGE, BRIDGE_IP, CLIENT_MAC, dnsmasqPidsOf, makeDhcpLab, OTHER_IP, uidOfProcess, type DhcpLab } from "./dhcp-lab";

const DNSMASQ_UID = uidOf(fs.readFileSync("/etc/passwd", "utf8"), "dnsmasq")!;

describe("DhcpServer on the real host (dnsmasq in test namespaces)", () => {
  const spaces = namespacesPerTest();
  let lab: DhcpLab | undefined;
  afterEach(async () => {
    await lab?.cleanup();
    lab = undefined;
  });

  const args = (l: DhcpLab, over: Record<string, unknown> = {}) => ({
    name: "d1",
    bridge: BRIDGE,
    network: "10.77.0.0/24",
    range: { start: "10.77.0.100", end: "10.77.0.150" },
    router: BRIDGE_IP,
    dnsDomain: "lab",
    staticLeases: [
      { mac: CLIENT_MAC, ip: "10.77.0.10", hostname: "web" },
      { mac: "52:54:00:77:00:02", ip: "10.77.0.11", hostname: "db" },
    ],
    host: { netns: l.server, stateDir: l.stateDir },
    ...over,
  });
  /** A new provider each time: a refresh or up runs in a new provider process. */
  const provider = () => makeProvider("DhcpServer", testContext());

  test("create, lease, DNS, live static-lease change, killed dnsmasq, deleted lease file, delete", async () => {
    const l = (lab = makeDhcpLab(spaces));
    const dir = path.join(l.stateDir, "dhcp", "d1");
    const { id, outs } = await checkAndCreate(provider(), args(l));
    expect(id).toBe("d1");
    expect(outs).toMatchObject({ status: "running", leaseFile: path.join(dir, "leases"), leases: [] });
    const pid = outs.pid as number;
    expect(dnsmasqPidsOf(l.stateDir)).toEqual([pid]);
    expect(uidOfProcess(pid)).toBe(DNSMASQ_UID); // it dropped root, and still reads its hosts file (the lease below)

    // Bound to the bridge only: DHCP on br0, DNS on the bridge's addresses; nothing on lo, a wildcard or the namespace's
    // other addressed interface (OTHER_IF, OTHER_IP), over UDP or TCP.
    const sockets = sh(["ip", "netns", "exec", l.server, "ss", "-Hlntup"]).split("\n").filter((s) => s.includes(`pid=${pid},`));
    const locals = sockets.map((s) => s.trim().split(/\s+/)).map((f) => `${f[0]} ${f[4]}`).sort(); // Netid, Local
    expect(locals.filter((a) => !a.includes("[fe80:"))).toEqual([`tcp ${BRIDGE_IP}:53`, "udp 0.0.0.0%br0:67", `udp ${BRIDGE_IP}:53`]);
    expect(sockets.filter((s) => s.includes(OTHER_IP))).toEqual([]);

    // The client gets its static lease; read reports it in `leases`.
    expect(l.dhcp()).toBe("10.77.0.10");
    const read1 = (await provider().read!(id, outs)).props as Record<string, any>;
    expect(read1.leases).toEqual([{ mac: CLIENT_MAC, ip: "10.77.0.10", hostname: "web", expiresAt: expect.any(Number) }]);
    expect(read1.leases[0].expiresAt).toBeGreaterThan(Date.now() / 1000 + 3000); // one hour from now
    expect(read1).toMatchObject({ status: "running", pid });

    // DNS from the client (busybox nslookup): the leased name, and a static lease's name never leased yet.
    expect(l.lookup("web.lab")).toEqual(["10.77.0.10"]);
    expect(l.lookup("db.lab")).toEqual(["10.77.0.11"]);
    expect(l.lookup("nothere.lab")).toEqual([]);

    // Static lease changed: applied live (SIGHUP), same pid; the client now gets the new address.
    const moved = args(l, { staticLeases: [{ mac: CLIENT_MAC, ip: "10.77.0.20", hostname: "web" }] });
    const u1 = await checkAndUpdate(provider(), id, read1, moved);
    expect(u1.diff).toMatchObject({ changes: true, replaces: [] });
    expect(u1.outs).toMatchObject({ pid, status: "running" });
    // The update returned once dnsmasq had re-read the hosts file (its log says so), not merely once it was signalled.
    expect(hostsReadCount(fs.readFileSync(path.join(dir, "dnsmasq.log"), "utf8"), path.join(dir, "hosts"))).toBe(2);
    expect(fs.readFileSync(path.join(dir, "hosts"), "utf8")).toBe(`${CLIENT_MAC},10.77.0.20,web\n`);
    expect(l.dhcp()).toBe("10.77.0.20");
    expect(isLive(pid)).toBe(true);
    expect(l.lookup("web.lab")).toEqual(["10.77.0.20"]);
    expect(l.lookup("db.lab")).toEqual([]); // its static lease is gone

    // dnsmasq killed by hand: refresh shows "stopped", diff says update; update restarts it and the lease survives.
    process.kill(pid, "SIGKILL");
    expect(await waitGone(pid)).toBe(true);
    const dead = (await provider().read!(id, u1.outs!)).props as Record<string, any>;
    expect(dead).toMatchObject({ status: "stopped" });
    expect(dead.pid).toBeUndefined();
    const u2 = await checkAndUpdate(provider(), id, dead, moved);
    expect(u2.diff).toMatchObject({ changes: true, replaces: [] });
    expect(u2.outs).toMatchObject({ status: "running" });
    const pid2 = u2.outs!.pid as number;
    expect(pid2).not.toBe(pid);
    expect(dnsmasqPidsOf(l.stateDir)).toEqual([pid2]);
    expect(u2.outs!.leases).toEqual([{ mac: CLIENT_MAC, ip: "10.77.0.20", hostname: "web", expiresAt: expect.any(Number) }]);
    expect(l.lookup("web.lab")).toEqual(["10.77.0.20"]); // the restarted dnsmasq knows the name from the kept lease

    // Lease file deleted: refresh shows drift (no leaseFile, no leases); update repairs it (restart, file recreated).
    fs.rmSync(path.join(dir, "leases"));
    const gone = (await provider().read!(id, u2.outs!)).props as Record<string, any>;
    expect(gone.leaseFile).toBeUndefined();
    expect(gone.leases).toEqual([]);
    expect(gone.status).toBe("running");
    const u3 = await checkAndUpdate(provider(), id, gone, moved);
    expect(u3.diff).toMatchObject({ changes: true, replaces: [] });
    expect(u3.outs).toMatchObject({ status: "running", leaseFile: path.join(dir, "leases") });
    expect(fs.existsSync(path.join(dir, "leases"))).toBe(true);
    // The leases the running dnsmasq still held in the deleted file were carried over to the new one.
    expect(u3.outs!.leases).toEqual([{ mac: CLIENT_MAC, ip: "10.77.0.20", hostname: "web", expiresAt: expect.any(Number) }]);
    expect(l.dhcp()).toBe("10.77.0.20"); // served again, and recorded in the new file
    expect(((await provider().read!(id, u3.outs!)).props as Record<string, any>).leases.map((x: { ip: string }) => x.ip)).toEqual(["10.77.0.20"]);

    // No drift left: a refresh followed by up changes nothing.
    const settled = (await provider().read!(id, u3.outs!)).props as Record<string, any>;
    expect((await checkAndUpdate(provider(), id, settled, moved)).diff.changes).toBe(false);

    // Delete: no process, no state directory; already gone is success.
    const last = u3.outs!.pid as number;
    await provider().delete!(id, settled);
    expect(isLive(last)).toBe(false);
    expect(dnsmasqPidsOf(l.stateDir)).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
    await provider().delete!(id, settled);
    expect((await provider().read!(id, settled)).props).toMatchObject({ status: "stopped" });
  });

  test("changing the range restarts dnsmasq (update, not replace) and the lease survives", async () => {
    const l = (lab = makeDhcpLab(spaces));
    const p = provider();
    const { id, outs } = await checkAndCreate(p, args(l));
    expect(l.dhcp()).toBe("10.77.0.10");
    const before = (await p.read!(id, outs)).props as Record<string, any>;
    const u = await checkAndUpdate(p, id, before, args(l, { range: { start: "10.77.0.100", end: "10.77.0.120" }, leaseTime: 7200 }));
    expect(u.diff.replaces).toEqual([]);
    expect(u.outs!.pid).not.toBe(outs.pid);
    expect(isLive(outs.pid)).toBe(false);
    expect(u.outs!.leases.map((x: { mac: string }) => x.mac)).toEqual([CLIENT_MAC]);
    expect(fs.readFileSync(path.join(l.stateDir, "dhcp", "d1", "dnsmasq.conf"), "utf8")).toContain("dhcp-range=10.77.0.100,10.77.0.120,7200\n");
    await p.delete!(id, u.outs!);
  });

  test("preflight refuses before anything starts, naming the fix: missing bridge, another DHCP server on the bridge, a DNS server on its address", async () => {
    const l = (lab = makeDhcpLab(spaces));
    const p = provider();
    await expect(checkAndCreate(p, args(l, { bridge: "nobr0" }))).rejects.toThrow(/bridge: "nobr0" does not exist in network namespace "qldh\w+"[\s\S]*fix: create it first/);
    expect(dnsmasqPidsOf(l.stateDir)).toEqual([]);

    // Another dnsmasq (DHCP only) already serving br0.
    const foreign = path.join(l.stateDir, "foreign");
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, "f.conf"), `port=0\ninterface=${BRIDGE}\nbind-interfaces\ndhcp-range=10.77.0.200,10.77.0.210\npid-file=${foreign}/f.pid\ndhcp-leasefile=${foreign}/f.leases\n`);
    sh(["ip", "netns", "exec", l.server, "dnsmasq", `--conf-file=${foreign}/f.conf`]);
    const fpid = Number(fs.readFileSync(path.join(foreign, "f.pid"), "utf8"));
    await expect(checkAndCreate(p, args(l))).rejects.toThrow(new RegExp(`bridge: UDP port 67 \\(DHCP\\) is already bound on "br0" .* by dnsmasq \\(pid ${fpid}\\)[\\s\\S]*fix: stop that DHCP server`));
    expect(dnsmasqPidsOf(l.stateDir)).toEqual([fpid]); // ours never started; the foreign one untouched
    process.kill(fpid, "SIGKILL");
    expect(await waitGone(fpid)).toBe(true);

    // A DNS server (no DHCP) already on the bridge's address: dnsmasq could not bind port 53 there and would exit.
    const dns = l.foreignDnsmasq("dns", ["port=53", `listen-address=${BRIDGE_IP}`, "bind-interfaces", "no-resolv", "no-hosts"]);
    await expect(checkAndCreate(p, args(l))).rejects.toThrow(
      new RegExp(`bridge: port 53 \\(DNS\\) is already bound on an address of "br0" .* by dnsmasq \\(pid ${dns}\\) \\(${BRIDGE_IP.replace(/\./g, "\\.")}:53\\)[\\s\\S]*fix: stop that DNS server`),
    );
    expect(dnsmasqPidsOf(l.stateDir)).toEqual([dns]);
  });

  test("upstreamDns: other names are forwarded only once it is given (a restart)", async () => {
    const l = (lab = makeDhcpLab(spaces));
    // An upstream resolver on the namespace's other interface, knowing one outside name (A and AAAA: busybox nslookup asks
    // both and fails on a refused one).
    l.foreignDnsmasq("upstream", ["port=53", `listen-address=${OTHER_IP}`, "bind-interfaces", "no-resolv", "no-hosts", "address=/outside.test/192.0.2.7", "address=/outside.test/2001:db8::7"]);
    const p = provider();
    const { id, outs } = await checkAndCreate(p, args(l));
    expect(l.dhcp()).toBe("10.77.0.10"); // the client's address, to ask DNS from
    expect(l.lookup("outside.test")).toEqual([]); // no upstream: only local names
    expect(l.lookup("db.lab")).toEqual(["10.77.0.11"]);
    const u = await checkAndUpdate(p, id, outs, args(l, { upstreamDns: [OTHER_IP] }));
    expect(u.diff).toMatchObject({ changes: true, replaces: [] });
    expect(u.outs!.pid).not.toBe(outs.pid);
    expect(l.lookup("outside.test")).toEqual(["192.0.2.7"]);
    expect(l.lookup("db.lab")).toEqual(["10.77.0.11"]); // local names still answered locally
    await p.delete!(id, u.outs!);
  });

  test("create refuses another stack's server directory (its dnsmasq stopped) and keeps its files; its own is reused", async () => {
    const l = (lab = makeDhcpLab(spaces));
    const dir = path.join(l.stateDir, "dhcp", "d1");
    const a = await checkAndCreate(provider(), { ...args(l), __owner: "proj/a/lan-dhcp#1" });
    expect(l.dhcp()).toBe("10.77.0.10");
    process.kill(a.outs.pid, "SIGKILL");
    expect(await waitGone(a.outs.pid)).toBe(true);
    const leases = fs.readFileSync(path.join(dir, "leases"), "utf8");
    expect(leases).toContain(CLIENT_MAC);

    await expect(checkAndCreate(provider(), { ...args(l), __owner: "proj/b/lan-dhcp#2" })).rejects.toThrow(
      new RegExp(`${dir} holds the files of a DhcpServer named "d1" that belongs to "proj/a/lan-dhcp#1".*fix: destroy that DhcpServer from its own stack, remove the directory by hand \\(rm -r ${dir}\\)`),
    );
    await expect(checkAndCreate(provider(), args(l))).rejects.toThrow(/belongs to "proj\/a\/lan-dhcp#1"/); // no owner at all
    expect(fs.readFileSync(path.join(dir, "leases"), "utf8")).toBe(leases);
    expect(fs.existsSync(path.join(dir, "dnsmasq.conf"))).toBe(true);
    expect(dnsmasqPidsOf(l.stateDir)).toEqual([]);

    // The same owner (a create retried after a crash) starts afresh.
    const again = await checkAndCreate(provider(), { ...args(l), __owner: "proj/a/lan-dhcp#1" });
    expect(again.outs).toMatchObject({ status: "running", leases: [] });
    await provider().delete!(again.id, again.outs);
  });

  test("an upgraded dnsmasq binary and a lost pidfile: still ours for read, update and delete", async () => {
    const l = (lab = makeDhcpLab(spaces));
    const dir = path.join(l.stateDir, "dhcp", "d1");
    const { id, outs } = await checkAndCreate(provider(), args(l));
    process.kill(outs.pid, "SIGKILL");
    expect(await waitGone(outs.pid)).toBe(true);
    // Our config run by a binary that is then replaced (a package upgrade): /proc/<pid>/exe ends in " (deleted)".
    const bin = path.join(l.stateDir, "..", "bin");
    fs.mkdirSync(bin);
    fs.copyFileSync(sh(["sh", "-c", "command -v dnsmasq"]).trim(), path.join(bin, "dnsmasq"));
    fs.chmodSync(path.join(bin, "dnsmasq"), 0o755);
    sh(["ip", "netns", "exec", l.server, path.join(bin, "dnsmasq"), `--conf-file=${path.join(dir, "dnsmasq.conf")}`]);
    fs.rmSync(bin, { recursive: true });
    const [upgraded] = dnsmasqPidsOf(l.stateDir);
    expect(fs.readlinkSync(`/proc/${upgraded}/exe`)).toMatch(/ \(deleted\)$/);

    const read = (await provider().read!(id, outs)).props as Record<string, any>;
    expect(read).toMatchObject({ status: "running", pid: upgraded });
    // Its pidfile gone too: found by scanning /proc for our config; a static-lease change is applied to it live.
    fs.rmSync(path.join(dir, "dnsmasq.pid"));
    expect(((await provider().read!(id, read)).props as Record<string, any>)).toMatchObject({ status: "running", pid: upgraded });
    const u = await checkAndUpdate(provider(), id, read, args(l, { staticLeases: [{ mac: CLIENT_MAC, ip: "10.77.0.30" }] }));
    expect(u.outs).toMatchObject({ status: "running", pid: upgraded });
    expect(l.dhcp()).toBe("10.77.0.30");

    await provider().delete!(id, u.outs!);
    expect(isLive(upgraded!)).toBe(false);
    expect(sh(["ip", "netns", "exec", l.server, "ss", "-Hlnup", "sport", "=", ":67"])).toBe("");
    expect(fs.existsSync(dir)).toBe(false);
  });

  test("a refused update keeps the running server; a changed bridge that is missing is found before anything stops", async () => {
    const l = (lab = makeDhcpLab(spaces));
    const p = provider();
    const { id, outs } = await checkAndCreate(p, args(l));
    await expect(checkAndUpdate(p, id, outs, args(l, { bridge: "nobr0" }))).rejects.toThrow(/bridge: "nobr0" does not exist[\s\S]*fix: create it first/);
    expect(isLive(outs.pid)).toBe(true);
    expect(dnsmasqPidsOf(l.stateDir)).toEqual([outs.pid]);
    expect(l.dhcp()).toBe("10.77.0.10"); // still served
    expect(fs.readFileSync(path.join(l.stateDir, "dhcp", "d1", "dnsmasq.conf"), "utf8")).toContain(`interface=${BRIDGE}\n`);
    await p.delete!(id, outs);
  });

  test("a umask of 077 does not lock dnsmasq's user out of the directories we create", async () => {
    const l = (lab = makeDhcpLab(spaces));
    const old = process.umask(0o077);
    let created: Awaited<ReturnType<typeof checkAndCreate>>;
    try {
      created = await checkAndCreate(provider(), args(l));
    } finally {
      process.umask(old);
    }
    expect(l.dhcp()).toBe("10.77.0.10"); // dnsmasq, as its own user, read the static lease from the hosts file
    for (const d of [path.join(l.stateDir, "dhcp"), path.join(l.stateDir, "dhcp", "d1")]) expect(fs.statSync(d).mode & 0o777).toBe(0o755);
    await provider().delete!(created.id, created.outs);
  });

  test("a state directory dnsmasq's user cannot pass through is refused with the fix", async () => {
    const l = (lab = makeDhcpLab(spaces, 0o700));
    await expect(checkAndCreate(provider(), args(l))).rejects.toThrow(new RegExp(`host.stateDir: dnsmasq reads .* as user "dnsmasq".* ${l.stateDir} \\(mode 700\\)[\\s\\S]*fix: chmod o\\+x ${l.stateDir}`));
    expect(dnsmasqPidsOf(l.stateDir)).toEqual([]);
  });

  test("a pidfile naming another process is not ours: read says stopped, delete leaves that process alone", async () => {
    const l = (lab = makeDhcpLab(spaces));
    const p = provider();
    const { id, outs } = await checkAndCreate(p, args(l));
    await p.delete!(id, outs); // stop ours, then fake its files: a pidfile naming a process that is not our dnsmasq
    const other = spawn("sleep", ["300"], { stdio: "ignore" });
    try {
      const dir = path.join(l.stateDir, "dhcp", "d1");
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "dnsmasq.pid"), `${other.pid}\n`);
      expect((await provider().read!(id, outs)).props).toMatchObject({ status: "stopped" });
      await provider().delete!(id, outs);
      expect(isLive(other.pid!)).toBe(true);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      other.kill("SIGKILL");
    }
  });
});
