import { TestNamespaces, sh } from "../../support/netns";
import { startSshd, type Sshd } from "../../support/sshd";
import { waitGone, pollUntil } from "../../support/processes";
import { SshConnection, SshConnectionError } from "../../../provider/host/ssh/ssh-connection";
import { SshTransport } from "../../../provider/host/ssh/ssh-transport";
import { closeSshTransports, sshTransportFor } from "../../../provider/host/ssh/ssh-pool";
import { CommandError } from "../../../provider/host/runner/command-error";
import type { SshTarget } from "../../../provider/host/target";
import { HostRegistry } from "../../../provider/host/host-registry";

/** A transport of its own (not the process pool), so each test sees its own connection. */
function transportTo(target: SshTarget, maxSessions?: number): SshTransport {
  return new SshTransport(new SshConnection(target, `hv (${target.host})`, { connectTimeoutMs: 5000, ...(maxSessions ? { maxSessions } : {}) }));
}

describe("SSH commands on a real sshd serving a test namespace", () => {
  const spaces = new TestNamespaces();
  let ns: string;
  let sshd: Sshd;
  let bashSshd: Sshd;
  const open: SshTransport[] = [];

  beforeAll(async () => {
    ns = spaces.create("qlssr");
    sh(["ip", "-n", ns, "link", "add", "qlmark0", "type", "veth", "peer", "name", "qlmark1"]); // a link only this namespace has
    sshd = await startSshd(ns, { maxSessions: 3 });
    bashSshd = await startSshd(spaces.create("qlssb"), { loginShell: "/bin/bash" });
  });
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
  });
  afterAll(async () => {
    await closeSshTransports();
    await sshd?.stop();
    await bashSshd?.stop();
    spaces.cleanup();
  });
  const transport = (maxSessions?: number) => {
    const t = transportTo(sshd.target(), maxSessions);
    open.push(t);
    return t;
  };

  test("commands run inside the served namespace, argv arrives intact, env/PATH/stdin/exit codes as ExecaRunner", async () => {
    const t = transport();
    const links = JSON.parse((await t.runner.run(["ip", "-j", "link"])).stdout) as Array<{ ifname: string }>;
    expect(links.map((l) => l.ifname).sort()).toEqual(["lo", "qlmark0", "qlmark1"]);

    const tricky = ["", "a b", "it's", 'dq"', "$HOME", "`id`", "$(id)", "x\ny", "*", "~", "a=b", "-n", "\\", "é", "!x", ";", "|&<>"];
    const bash = transportTo(bashSshd.target());
    open.push(bash);
    for (const r of [t.runner, bash.runner]) { // root's login shell: sh, then bash
      const echoed = await r.run(["printf", "%s\\0", ...tricky]);
      expect(echoed.stdout.split("\0").slice(0, -1)).toEqual(tricky);
      expect(echoed.argv).toEqual(["printf", "%s\\0", ...tricky]);
    }
    expect((await bash.runner.run(["sh", "-c", "readlink /proc/$PPID/exe"])).stdout).toBe("/usr/bin/timeout\n"); // no shell left between

    expect((await t.runner.run(["sh", "-c", 'printf %s "$PATH"'])).stdout).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect((await t.runner.run(["sh", "-c", 'printf %s "$QL_X"'], { env: { QL_X: "v a'l" } })).stdout).toBe("v a'l");
    expect((await t.runner.run(["cat"], { input: "line1\nline2 ünï\n" })).stdout).toBe("line1\nline2 ünï\n");
    expect((await t.runner.run(["sh", "-c", "echo err >&2; exit 3"], { okExitCodes: [3] })).exitCode).toBe(3);
    // /proc/<pid>/cmdline with NULs survives
    expect((await t.runner.run(["sh", "-c", "cat /proc/$$/cmdline"])).stdout).toBe("sh\0-c\0cat /proc/$$/cmdline\0");

    const failed = await t.runner.run(["sh", "-c", "echo boom >&2; exit 2"]).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CommandError);
    expect((failed as CommandError).message).toBe(`on hv (127.0.0.1): command failed with exit code 2: sh -c 'echo boom >&2; exit 2'\n  stderr: boom`);
    expect((failed as CommandError).where).toBe("hv (127.0.0.1)");

    const missing = (await t.runner.run(["no-such-command-ql", "x"]).catch((e: unknown) => e)) as CommandError;
    expect(missing.exitCode).toBe(127);
    expect(missing.kind).toBe("missing-command");
  });

  test("a command that outlives its timeout fails as timedOut and its remote process is gone", async () => {
    const t = transport();
    const marker = `30.${process.pid}`; // a unique argument to find the remote process by
    const e = (await t.runner.run(["sleep", marker], { timeoutMs: 600 }).catch((x: unknown) => x)) as CommandError;
    expect(e).toBeInstanceOf(CommandError);
    expect(e.timedOut).toBe(true);
    expect(e.kind).toBe("timeout");
    const left = () => sh(["pgrep", "-f", `sleep ${marker}`], { allowFail: true }).trim();
    await pollUntil(() => (left() === "" ? true : undefined), 5000, () => `remote process still running: ${left()}`);
  });

  test("20 concurrent commands with MaxSessions 3 all succeed over exactly one TCP connection", async () => {
    const t = transport(); // starts at 10 sessions: learns 3 from the server's refusals
    const before = sshd.relayConnections();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.runner.run(["sh", "-c", `sleep 0.2; echo ${i}`]).then((r) => r.stdout.trim())),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(sshd.relayConnections() - before).toBe(1);
    expect(sshd.connectionCount()).toBe(1);
    expect(t.connection.maxSessions).toBe(3);

    // The lock holder keeps one of the 3 sessions while commands run under the lock: they share the other two.
    const fresh = transport();
    const underLock = await fresh.files.withLock(`/tmp/qlab-ssh-runner-${process.pid}.lock`, () =>
      Promise.all(Array.from({ length: 10 }, (_, i) => fresh.runner.run(["echo", String(i)]).then((r) => r.stdout.trim()))),
    );
    expect(underLock).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
  });

  test("the pool hands out one transport per machine", async () => {
    const a = sshTransportFor(sshd.target());
    expect(sshTransportFor({ ...sshd.target() })).toBe(a);
    expect(a.id).toBe(`ssh:root@127.0.0.1:${sshd.relayPort}`);
    expect(a.where).toBe("127.0.0.1");
    expect(sshTransportFor(sshd.target({ privateKeyPath: "/elsewhere" }))).toBe(a); // the same machine: the first login is used
    // ...but never a connection verified otherwise than a resource asks
    expect(() => sshTransportFor(sshd.target({ hostKey: sshd.hostKey }))).toThrow(/different host key settings/);
    expect((await a.runner.run(["true"])).exitCode).toBe(0);

    // What resources use: a Host from the registry, its commands and `ip` reads on the remote machine.
    const host = new HostRegistry().hostFor({ ssh: sshd.target(), stateDir: "/var/lib/qemu-lab" });
    expect(host.transport).toBe(a);
    expect(host.where).toBe("127.0.0.1");
    expect([...(await host.links()).byName.keys()].sort()).toEqual(["lo", "qlmark0", "qlmark1"]);
  });

  test("a dropped connection (sshd's per-connection process killed): the command in flight fails naming the host; the next reconnects", async () => {
    const t = transport();
    const others = sshd.connectionPids();
    expect((await t.runner.run(["echo", "one"])).stdout).toBe("one\n");
    const relayedBefore = sshd.relayConnections();
    const children = sshd.connectionPids().filter((p) => !others.includes(p));
    expect(children).toHaveLength(1);
    const nap = `5.${process.pid}`; // a unique argument to see it running
    const inFlight = t.runner.run(["sleep", nap]).catch((e: unknown) => e);
    await pollUntil(() => (sh(["pgrep", "-f", `^sleep ${nap}$`], { allowFail: true }).trim() ? true : undefined), 5000, () => "the command did not start");
    process.kill(children[0]!, "SIGKILL");
    expect(await waitGone(children[0]!)).toBe(true);
    const lost = (await inFlight) as SshConnectionError;
    expect(lost).toBeInstanceOf(SshConnectionError);
    expect(lost.message).toBe(`on hv (127.0.0.1): the connection was lost while running sleep ${nap}; it may or may not have run`);
    expect((await t.runner.run(["echo", "two"])).stdout).toBe("two\n");
    expect(sshd.relayConnections() - relayedBefore).toBe(1);
  });
});
