/**
 * examples/nat-lab end to end (issue 13's proof): a host namespace with an uplink to an "upstream" namespace that
 * plays the internet, and a second link to a "LAN" namespace. The NatNetwork hands the web VM its static lease and
 * the db VM a dynamic one; web's first-boot user data (the NoCloud seed) resolves db by name through dnsmasq and
 * opens a TCP connection upstream, which sees the host's outward address (masquerade); the LAN reaches web's port 22
 * through the host's forwarded port (DNAT). Then drift by hand (dnsmasq killed, a NAT rule deleted) is refreshed
 * and repaired, and destroy leaves nothing.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureTestGuest } from "../../support/guest";
import { netnsList, sh, TestNamespaces } from "../../support/netns";
import { isLive, killQuietly, pollUntil } from "../../support/processes";
import { DRIVER_KINDS } from "../../support/pulumi-cli";
import { steps } from "../../support/steps";
import { banner, bannerFrom, bridgeConfLines, EXAMPLES, LabStack, ops, stepOf, tcpOpen } from "../lifecycle/lab-stack";

jest.setTimeout(300_000);

const UPLINK_ADDR = "203.0.113.2";
const UPSTREAM_ADDR = "203.0.113.1";
const UPSTREAM_PORT = 9000;
const LAN_SIDE = "198.51.100.1";
const LAN_PEER = "198.51.100.2";
const WEB = "192.168.122.10";
const FORWARD_PORT = 2222;

/** web's first-boot script: in the background (the guest keeps booting), resolve db, then call upstream. */
const USER_DATA = `#!/bin/sh
(
  for i in $(seq 1 90); do
    a=$(nslookup db.lab 2>/dev/null | sed -n 's/^Address[^:]*: *\\(192\\.168\\.122\\.[0-9]*\\).*/\\1/p' | tail -n1)
    [ -n "$a" ] && break
    sleep 1
  done
  echo "NATLAB RESOLVED db.lab=$a" >/dev/console
  for i in $(seq 1 30); do
    r=$(echo hello | nc ${UPSTREAM_ADDR} ${UPSTREAM_PORT} 2>/dev/null) && [ -n "$r" ] && break
    sleep 1
  done
  echo "NATLAB UPSTREAM said=$r" >/dev/console
) &
`;

describe.each(DRIVER_KINDS)("examples/nat-lab under %s: DHCP, DNS, masquerade and DNAT for two VMs on a NatNetwork", (kind) => {
  const step = steps();
  const namespaces = new TestNamespaces();
  let lab: string;
  let upstream: string;
  let lan: string;
  let stack: LabStack;
  let listener: ChildProcess | undefined;
  let peers: string;

  beforeAll(async () => {
    const guest = await ensureTestGuest();
    lab = namespaces.create("qnl");
    upstream = namespaces.create("qnu");
    lan = namespaces.create("qnn");
    // The host's uplink to "the internet", its default route, and a second link toward a LAN.
    sh(["ip", "-n", lab, "link", "add", "wan0", "type", "veth", "peer", "name", "isp0", "netns", upstream]);
    sh(["ip", "-n", lab, "addr", "add", `${UPLINK_ADDR}/24`, "dev", "wan0"]);
    sh(["ip", "-n", lab, "link", "set", "wan0", "up"]);
    sh(["ip", "-n", upstream, "addr", "add", `${UPSTREAM_ADDR}/24`, "dev", "isp0"]);
    sh(["ip", "-n", upstream, "link", "set", "isp0", "up"]);
    sh(["ip", "-n", lab, "route", "add", "default", "via", UPSTREAM_ADDR]);
    sh(["ip", "-n", lab, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", lan]);
    sh(["ip", "-n", lab, "addr", "add", `${LAN_SIDE}/24`, "dev", "lan0"]);
    sh(["ip", "-n", lab, "link", "set", "lan0", "up"]);
    sh(["ip", "-n", lan, "addr", "add", `${LAN_PEER}/24`, "dev", "eth0"]);
    sh(["ip", "-n", lan, "link", "set", "eth0", "up"]);
    // Upstream has no route back to 192.168.122.0/24: only a masqueraded connection can be answered.
    peers = path.join(fs.mkdtempSync("/tmp/qnl-"), "peers");
    const code = `const fs=require("fs");require("net").createServer(s=>{s.on("error",()=>{});fs.appendFileSync(${JSON.stringify(peers)},s.remoteAddress+"\\n");s.end("upstream-ok\\n")}).listen(${UPSTREAM_PORT},"0.0.0.0")`;
    listener = spawn("ip", ["netns", "exec", upstream, process.execPath, "-e", code], { stdio: "ignore" });
    stack = new LabStack(path.join(EXAMPLES, "nat-lab"), {
      netns: lab,
      kernel: guest.kernel,
      initrd: guest.initrd,
      accel: "tcg",
      memoryMiB: 192,
      outInterface: "wan0",
      forwardPort: FORWARD_PORT,
      webUserData: USER_DATA,
    }, {}, kind);
  });

  afterAll(async () => {
    try {
      const forced = await stack.cleanup();
      expect(forced).toEqual([]);
    } finally {
      killQuietly(listener?.pid);
      namespaces.cleanup();
      fs.rmSync(path.dirname(peers), { recursive: true, force: true });
    }
    expect(netnsList()).not.toContain(lab);
  });

  step("up builds the network and returns only once web's port answers; web has its static lease", async () => {
    const up = await stack.run(stack.driver().up(), "nat-lab up");
    expect(ops(up)).toMatchObject({ default: "create", "default-acl": "create", "default-dhcp": "create", "default-nat": "create", web: "create", db: "create" });
    // Readiness: no retry here. The forward through the host is the first thing a user would try.
    expect(tcpOpen(lab, WEB, 22)).toBe(true);
    expect(bridgeConfLines(lab)).toEqual(["allow virbr0"]);
    // Known at create from the static lease (the lease file fills as guests ask: a refresh reads it, below).
    expect(up.outputs.webAddresses).toEqual([[WEB]]);
  });

  step("db resolves by name, and web reaches upstream as the host's outward address (masquerade)", async () => {
    const log = stack.outputs("web").serialLog as string;
    const resolved = await pollUntil(() => /NATLAB RESOLVED db\.lab=(\S*)/.exec(fs.readFileSync(log, "utf8"))?.[1], 120_000, () => `web never printed the resolution:\n${fs.readFileSync(log, "utf8").slice(-2000)}`);
    expect(resolved).toMatch(/^192\.168\.122\.\d+$/);
    expect(resolved).not.toBe(WEB);
    await pollUntil(() => (/NATLAB UPSTREAM said=upstream-ok/.test(fs.readFileSync(log, "utf8")) ? true : undefined), 60_000, () => `web never reached upstream:\n${fs.readFileSync(log, "utf8").slice(-2000)}`);
    expect(fs.readFileSync(peers, "utf8").trim().split("\n")).toEqual([UPLINK_ADDR]);
    // The refresh reads db's lease too: the resolved address is the one dnsmasq handed out to db's MAC.
    await stack.run(stack.driver().refresh());
    const leases = stack.outputs("default-dhcp").leases as Array<{ mac: string; ip: string }>;
    expect(leases.find((l) => l.ip === resolved)?.mac).toBe(stack.outputs("db").macs[0]);
    expect(leases.find((l) => l.ip === WEB)?.mac).toBe("52:54:00:12:20:10");
  });

  step("the LAN reaches web's port 22 through the host's forwarded port (DNAT)", async () => {
    expect(await bannerFrom(lan, LAN_SIDE, FORWARD_PORT, 30_000)).toBe(banner(22, "web"));
  });

  step("dnsmasq killed and a NAT rule deleted by hand: refresh shows both, up repairs both, leases survive", async () => {
    const dhcp = stack.outputs("default-dhcp");
    const oldPid = dhcp.pid as number;
    process.kill(oldPid, "SIGKILL");
    await pollUntil(() => (isLive(oldPid) ? undefined : true), 10_000, () => `dnsmasq ${oldPid} did not die`);
    const table = JSON.parse(sh(["ip", "netns", "exec", lab, "nft", "-j", "list", "tables"])).nftables.filter((x: any) => x.table?.name?.startsWith("qemu_lab"));
    expect(table).toHaveLength(1);
    const t = table[0].table;
    const rules = JSON.parse(sh(["ip", "netns", "exec", lab, "nft", "-j", "-a", "list", "table", t.family, t.name])).nftables.filter((x: any) => x.rule);
    const dnat = rules.find((x: any) => JSON.stringify(x.rule.expr).includes('"dnat"'));
    expect(dnat).toBeDefined();
    sh(["ip", "netns", "exec", lab, "nft", "delete", "rule", t.family, t.name, dnat.rule.chain, "handle", String(dnat.rule.handle)]);
    expect(tcpOpen(lan, LAN_SIDE, FORWARD_PORT)).toBe(false);

    const refresh = await stack.run(stack.driver().refresh());
    expect(ops(refresh)).toMatchObject({ default: "same", "default-dhcp": "refresh", "default-nat": "refresh", web: "same", db: "same" });
    expect(stepOf(refresh, "default-dhcp")?.diffs).toContain("status");
    expect(stepOf(refresh, "default-nat")?.diffs).toContain("ruleset");
    const up = await stack.run(stack.driver().up());
    expect(ops(up)).toMatchObject({ "default-dhcp": "update", "default-nat": "update", web: "same", db: "same" });
    const newPid = stack.outputs("default-dhcp").pid as number;
    expect(newPid).not.toBe(oldPid);
    expect(isLive(newPid)).toBe(true);
    expect((stack.outputs("default-dhcp").leases as Array<{ ip: string }>).map((l) => l.ip)).toContain(WEB);
    expect(await bannerFrom(lan, LAN_SIDE, FORWARD_PORT, 30_000)).toBe(banner(22, "web"));
  });

  step("destroy removes VMs, dnsmasq, the NAT table, the ACL line and the bridge", async () => {
    const dnsmasqPid = stack.outputs("default-dhcp").pid as number;
    await stack.run(stack.driver().destroy());
    expect(stack.qemuPids()).toEqual({});
    expect(isLive(dnsmasqPid)).toBe(false);
    const tables = JSON.parse(sh(["ip", "netns", "exec", lab, "nft", "-j", "list", "tables"])).nftables.filter((x: any) => x.table);
    expect(tables).toEqual([]);
    expect(bridgeConfLines(lab) ?? []).toEqual([]);
    expect(sh(["ip", "-n", lab, "-j", "link", "show"])).not.toContain("virbr0");
  });
});
