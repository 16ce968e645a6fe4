import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { TestNamespaces, sh } from "../../support/netns";
import { makeKey, startSshd, fingerprintOf, type Sshd } from "../../support/sshd";
import { FakeQmpServer } from "../../support/fake-qmp-server";
import { SshConnection, SshConnectionError, type SshConnectionOptions } from "../../../provider/host/ssh/ssh-connection";
import { SshTransport } from "../../../provider/host/ssh/ssh-transport";
import { HostKeyError } from "../../../provider/host/ssh/host-key-check";
import { Host } from "../../../provider/host/host";
import { QmpConnectionError } from "../../../provider/host/qemu/qmp-client";
import type { SshTarget } from "../../../provider/host/target";

/** Signal a test's own process if it still exists. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

describe("SSH connections: host keys, failures, jump host, Unix sockets (real sshd in test namespaces)", () => {
  const spaces = new TestNamespaces();
  let sshd: Sshd;
  const open: SshTransport[] = [];
  const transport = (target: SshTarget, options: SshConnectionOptions = {}) => {
    const t = new SshTransport(new SshConnection(target, `hv2 (${target.host})`, { connectTimeoutMs: 3000, ...options }));
    open.push(t);
    return t;
  };
  /** A file in the server's temp dir (removed with it). */
  const fileIn = (name: string, text: string) => {
    const p = path.join(sshd.dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const logins = () => (sshd.log().match(/Accepted publickey/g) ?? []).length;

  beforeAll(async () => {
    sshd = await startSshd(spaces.create("qlssc"));
  });
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
  });
  afterAll(async () => {
    await sshd?.stop();
    spaces.cleanup();
  });

  test("an unknown host key is refused with its fingerprint and how to trust it; nothing is sent", async () => {
    const before = logins();
    const knownHostsPath = fileIn("empty_known_hosts", "");
    const e = await transport(sshd.target({ knownHostsPath })).runner.run(["true"]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HostKeyError);
    expect((e as HostKeyError).problem).toBe("unknown");
    expect((e as HostKeyError).presented).toBe(sshd.fingerprint);
    expect((e as Error).message).toContain(`the server presented ssh-ed25519 ${sshd.fingerprint}`);
    expect((e as Error).message).toContain(`ssh-keyscan -p ${sshd.relayPort} 127.0.0.1 >> ${knownHostsPath}`);
    expect((e as Error).message).toContain(`hostKey: "${sshd.hostKey}"`);
    expect(logins()).toBe(before);

    // A missing known_hosts file is the same case.
    const missing = await transport(sshd.target({ knownHostsPath: path.join(sshd.dir, "nope") })).runner.run(["true"]).catch((x: unknown) => x);
    expect((missing as HostKeyError).problem).toBe("unknown");
  });

  test("a changed host key is refused naming both fingerprints; a wrong pin too", async () => {
    const other = makeKey(path.join(sshd.dir, "other_key"));
    const otherFp = fingerprintOf(path.join(sshd.dir, "other_key.pub"));
    const knownHostsPath = fileIn("changed_known_hosts", `[127.0.0.1]:${sshd.relayPort} ${other}\n`);
    const e = (await transport(sshd.target({ knownHostsPath })).runner.run(["true"]).catch((x: unknown) => x)) as HostKeyError;
    expect(e).toBeInstanceOf(HostKeyError);
    expect(e.problem).toBe("changed");
    expect(e.message).toContain(`known_hosts has ssh-ed25519 ${otherFp} (${knownHostsPath} line 1), but the server presented ssh-ed25519 ${sshd.fingerprint}`);

    const pinned = (await transport(sshd.target({ hostKey: other })).runner.run(["true"]).catch((x: unknown) => x)) as HostKeyError;
    expect(pinned.problem).toBe("changed");
    expect(pinned.message).toContain(`hostKey pins ssh-ed25519 ${otherFp}, but the server presented ssh-ed25519 ${sshd.fingerprint}`);
  });

  test("a right pin needs no known_hosts; a hashed known_hosts entry is found; @revoked is refused", async () => {
    const noFile = path.join(sshd.dir, "absent");
    expect((await transport(sshd.target({ hostKey: `${sshd.hostKey} comment`, knownHostsPath: noFile })).runner.run(["echo", "ok"])).stdout).toBe("ok\n");

    const hashed = fileIn("hashed_known_hosts", fs.readFileSync(sshd.knownHostsPath, "utf8"));
    sh(["ssh-keygen", "-H", "-f", hashed]);
    expect(fs.readFileSync(hashed, "utf8")).toMatch(/^\|1\|/);
    expect((await transport(sshd.target({ knownHostsPath: hashed })).runner.run(["echo", "ok"])).stdout).toBe("ok\n");

    const revoked = fileIn("revoked_known_hosts", `@revoked * ${sshd.hostKey}\n` + fs.readFileSync(sshd.knownHostsPath, "utf8"));
    const e = (await transport(sshd.target({ knownHostsPath: revoked })).runner.run(["true"]).catch((x: unknown) => x)) as HostKeyError;
    expect(e.problem).toBe("revoked");
  });

  test("key problems name the host and the key: missing file, key not authorized", async () => {
    const missingKey = path.join(sshd.dir, "no_such_key");
    const e = (await transport(sshd.target({ privateKeyPath: missingKey })).runner.run(["true"]).catch((x: unknown) => x)) as SshConnectionError;
    expect(e).toBeInstanceOf(SshConnectionError);
    expect(e.message).toBe(`cannot read private key ${missingKey} for hv2 (127.0.0.1): ENOENT: no such file or directory, open '${missingKey}'`);
    expect(e.code).toBe("ENOENT");

    const stranger = path.join(sshd.dir, "stranger_key");
    makeKey(stranger);
    const denied = (await transport(sshd.target({ privateKeyPath: stranger })).runner.run(["true"]).catch((x: unknown) => x)) as SshConnectionError;
    expect(denied).toBeInstanceOf(SshConnectionError);
    expect(denied.message).toMatch(/^cannot log in to hv2 \(127\.0\.0\.1\) \(root@127\.0\.0\.1:\d+\): the server accepted none of the offered keys/);
  });

  test("no server: fails naming the host, promptly; a server that never answers: fails at the connect timeout", async () => {
    const stopped = await startSshd(spaces.create("qlssd"));
    const target = stopped.target({ knownHostsPath: sshd.knownHostsPath });
    process.kill(stopped.pid, "SIGSTOP"); // accepts in the kernel, never answers
    try {
      const hung = (await transport(target, { connectTimeoutMs: 1500 }).runner.run(["true"]).catch((x: unknown) => x)) as SshConnectionError;
      expect(hung).toBeInstanceOf(SshConnectionError);
      expect(hung.message).toMatch(/^no SSH connection to hv2 \(127\.0\.0\.1\) \(root@127\.0\.0\.1:\d+\) within 1500 ms/);
      expect(hung.code).toBe("ETIMEDOUT");
    } finally {
      process.kill(stopped.pid, "SIGCONT");
    }
    process.kill(stopped.pid, "SIGKILL"); // gone: the relay's nc finds nobody listening
    const refused = (await transport(target).runner.run(["true"]).catch((x: unknown) => x)) as SshConnectionError;
    expect(refused).toBeInstanceOf(SshConnectionError);
    expect(refused.message).toMatch(/^cannot connect to hv2 \(127\.0\.0\.1\) \(root@127\.0\.0\.1:\d+\): /);
    await stopped.stop();
  }, 15_000);

  test("a connection that hangs (no answer to a channel open) is dropped and the command retried on a new one", async () => {
    const t = transport(sshd.target(), { connectTimeoutMs: 1500 });
    expect((await t.runner.run(["echo", "one"])).stdout).toBe("one\n");
    const relays = sshd.relayPids();
    const before = sshd.relayConnections();
    for (const p of relays) process.kill(p, "SIGSTOP"); // the path goes silent without closing
    try {
      expect((await t.runner.run(["echo", "two"])).stdout).toBe("two\n");
      expect(sshd.relayConnections() - before).toBe(1);
    } finally {
      for (const p of relays) signal(p, "SIGCONT"); // (dropped by now: the relay ended it)
    }
  }, 15_000);

  test("jump host: the target behind it is reached through it, each host key verified", async () => {
    const jumpNs = spaces.create("qlssj");
    const innerNs = spaces.create("qlssi");
    const net3 = 1 + Math.floor(Math.random() * 250);
    sh(["ip", "-n", jumpNs, "link", "add", "qlj0", "type", "veth", "peer", "name", "qli0", "netns", innerNs]);
    sh(["ip", "-n", jumpNs, "addr", "add", `10.77.${net3}.1/30`, "dev", "qlj0"]);
    sh(["ip", "-n", innerNs, "addr", "add", `10.77.${net3}.2/30`, "dev", "qli0"]);
    sh(["ip", "-n", jumpNs, "link", "set", "qlj0", "up"]);
    sh(["ip", "-n", innerNs, "link", "set", "qli0", "up"]);
    const jump = await startSshd(jumpNs);
    const inner = await startSshd(innerNs, { address: `10.77.${net3}.2`, clientKeyPath: jump.clientKeyPath, noRelay: true });
    try {
      const innerKnown = path.join(jump.dir, "inner_known_hosts");
      fs.writeFileSync(innerKnown, `10.77.${net3}.2 ${inner.hostKey}\n`);
      const target: SshTarget = { host: `10.77.${net3}.2`, privateKeyPath: jump.clientKeyPath, knownHostsPath: innerKnown, jumpHost: jump.target() };
      const jumpConn = new SshConnection(jump.target(), "jump", {});
      const t = new SshTransport(new SshConnection(target, "inner", {}, jumpConn));
      open.push(t);
      const links = JSON.parse((await t.runner.run(["ip", "-j", "link"])).stdout) as Array<{ ifname: string }>;
      expect(links.map((l) => l.ifname).sort()).toEqual(["lo", "qli0"]);
      expect(inner.connectionCount()).toBe(1);
      expect(jump.connectionCount()).toBe(1);
      await jumpConn.close();

      fs.writeFileSync(innerKnown, `10.77.${net3}.2 ${jump.hostKey}\n`); // the inner host's key is checked, not the jump host's
      const wrong = new SshTransport(new SshConnection(target, "inner", {}, new SshConnection(jump.target(), "jump", {})));
      open.push(wrong);
      const e = (await wrong.runner.run(["true"]).catch((x: unknown) => x)) as HostKeyError;
      expect(e).toBeInstanceOf(HostKeyError);
      expect(e.problem).toBe("changed");
      await wrong.connection.jump!.close();
    } finally {
      await inner.stop();
      await jump.stop();
    }
  }, 30_000);

  test("QMP through openUnixStream; a missing socket is ENOENT, a dead one ECONNREFUSED; a silent server times out", async () => {
    const qmp = await FakeQmpServer.inTempDir((msg, reply) => reply({ return: msg.execute === "query-status" ? { status: "running" } : {} }));
    try {
      const t = transport(sshd.target());
      const host = new Host({ ssh: sshd.target() }, t);
      expect(await host.withQmp(qmp.socketPath, (c) => c.execute("query-status"))).toEqual({ status: "running" });
      expect(qmp.received.map((m) => m.execute)).toEqual(["qmp_capabilities", "query-status"]);

      const dir = path.dirname(qmp.socketPath);
      const missing = (await host.withQmp(path.join(dir, "gone.sock"), async () => 1).catch((x: unknown) => x)) as QmpConnectionError;
      expect(missing).toBeInstanceOf(QmpConnectionError);
      expect(missing.failure).toBe("missing");
      expect(((await t.openUnixStream(path.join(dir, "gone.sock"), 2000).catch((x: unknown) => x)) as NodeJS.ErrnoException).code).toBe("ENOENT");

      const dead = path.join(dir, "dead.sock"); // a socket file nobody listens on (what a killed QEMU leaves)
      const server = net.createServer();
      await new Promise<void>((r) => server.listen(dead, r));
      fs.renameSync(dead, `${dead}.keep`);
      await new Promise<void>((r) => server.close(() => r()));
      fs.renameSync(`${dead}.keep`, dead);
      const refusedLocally = await new Promise<string | undefined>((r) => net.createConnection(dead).on("error", (e: NodeJS.ErrnoException) => r(e.code)));
      expect(refusedLocally).toBe("ECONNREFUSED");
      expect(((await t.openUnixStream(dead, 2000).catch((x: unknown) => x)) as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
      expect(((await host.withQmp(dead, async () => 1).catch((x: unknown) => x)) as QmpConnectionError).failure).toBe("refused");

      const conn = sshd.connectionPids(); // a stopped server side: the forward is never answered
      for (const p of conn) process.kill(p, "SIGSTOP");
      try {
        const slow = (await t.openUnixStream(qmp.socketPath, 300).catch((x: unknown) => x)) as NodeJS.ErrnoException;
        expect(slow.code).toBe("ETIMEDOUT");
        expect(slow.message).toContain("on hv2 (127.0.0.1)");
      } finally {
        for (const p of conn) signal(p, "SIGCONT");
      }
    } finally {
      await qmp.stop();
    }
  });
});
