import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { makeProvider } from "../../../provider/kinds";
import { namespacesPerTest, sh } from "../../support/netns";
import { isLive, waitGone } from "../../support/processes";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { BRIDGE, BRIDGE_IP, CLIENT_MAC, dnsmasqPidsOf, makeDhcpLab, uidOfProcess, type DhcpLab } from "./dhcp-lab";

const DNSMASQ_UID = Number(/^dnsmasq:x:(\d+):/m.exec(fs.readFileSync("/etc/passwd", "utf8"))![1]);

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

    // Bound to the bridge only: DHCP on br0, DNS on the bridge's addresses; nothing on lo or a wildcard.
    const sockets = sh(["ip", "netns", "exec", l.server, "ss", "-Hlnup"]).split("\n").filter((s) => s.includes(`pid=${pid},`));
    const locals = sockets.map((s) => s.trim().split(/\s+/)[3]).sort();
    expect(locals.filter((a) => !a!.startsWith("[fe80:"))).toEqual(["0.0.0.0%br0:67", `${BRIDGE_IP}:53`]);

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

  test("preflight refuses before anything starts, naming the fix: missing bridge, another DHCP server on the bridge", async () => {
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
