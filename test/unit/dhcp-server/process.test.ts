import * as path from "node:path";
import { dhcpPaths } from "../../../provider/host/dnsmasq/dhcp-paths";
import type { Host } from "../../../provider/host/host";
import { deletedLeaseText, exeIsBinary, findOurDnsmasq, hostsReadCount, reloadDnsmasq, scanForOurDnsmasq } from "../../../provider/host/dnsmasq/dnsmasq-process";
import { MemoryFiles } from "../../support/memory-files";

/** MemoryFiles with symlinks (longest prefix first) and directory listings: enough of /proc for these rules. */
class ProcFiles extends MemoryFiles {
  constructor(files: Record<string, string>, readonly links: Record<string, string> = {}) {
    super(files);
  }
  override async realPath(p: string) {
    const key = Object.keys(this.links).sort((a, b) => b.length - a.length).find((k) => p === k || p.startsWith(k + "/"));
    return key === undefined ? p : this.links[key]! + p.slice(key.length);
  }
  async listDir(dir: string) {
    const names = new Set<string>();
    for (const k of [...this.files.keys(), ...Object.keys(this.links)]) if (k.startsWith(dir + "/")) names.add(k.slice(dir.length + 1).split("/")[0]!);
    return [...names].sort();
  }
}

const paths = dhcpPaths("/srv/lab", "d1");
const CONF = `--conf-file=${paths.confFile}`;
/** A live process: its stat, cmdline and exe link. */
const proc = (pid: number, exe: string, argv: string[]) => ({
  files: { [`/proc/${pid}/stat`]: `${pid} (${path.basename(exe)}) S ${"0 ".repeat(25)}`, [`/proc/${pid}/cmdline`]: argv.join("\0") + "\0" },
  links: { [`/proc/${pid}/exe`]: exe },
});
const host = (...procs: ReturnType<typeof proc>[]) => (extra: Record<string, string> = {}) =>
  new ProcFiles(Object.assign({}, ...procs.map((p) => p.files), extra), Object.assign({}, ...procs.map((p) => p.links)));

describe("recognising our dnsmasq", () => {
  test.each<[string, boolean]>([
    ["/usr/sbin/dnsmasq", true],
    ["/usr/sbin/dnsmasq (deleted)", true], // the package was upgraded while it runs
    ["/tmp/copy/dnsmasq (deleted)", true],
    ["/usr/sbin/dnsmasq-helper", false],
    ["/usr/bin/sleep", false],
    ["/usr/bin/sleep (deleted)", false],
    ["", false],
  ])("exe %j is dnsmasq: %s", (exe, want) => {
    expect(exeIsBinary(exe, "dnsmasq")).toBe(want);
  });

  const ours = proc(100, "/usr/sbin/dnsmasq", ["dnsmasq", CONF]);
  const upgraded = proc(101, "/usr/sbin/dnsmasq (deleted)", ["dnsmasq", CONF]);
  const otherConf = proc(102, "/usr/sbin/dnsmasq", ["dnsmasq", "--conf-file=/srv/lab/dhcp/d2/dnsmasq.conf"]);
  const forged = proc(103, "/usr/bin/sleep", ["dnsmasq", CONF]); // argv is forgeable, the exe is not
  test.each<[string, ProcFiles, number | undefined, number[]]>([
    ["the pidfile's dnsmasq", host(ours, otherConf)({ [paths.pidFile]: "100\n" }), 100, [100]],
    ["an upgraded binary (exe ends in ' (deleted)') is still ours", host(upgraded)({ [paths.pidFile]: "101\n" }), 101, [101]],
    ["pidfile gone: found by its --conf-file in /proc", host(otherConf, upgraded, forged)(), 101, [101]],
    ["pidfile names another process: the scan finds ours", host(ours, forged)({ [paths.pidFile]: "103\n" }), 100, [100]],
    ["none of ours: a forged argv and another server's dnsmasq do not count", host(otherConf, forged)({ [paths.pidFile]: "102\n" }), undefined, []],
  ])("%s", async (_t, files, want, scanned) => {
    expect(await findOurDnsmasq(files, paths)).toBe(want);
    expect(await scanForOurDnsmasq(files, paths)).toEqual(scanned);
  });
});

describe("dnsmasq's log", () => {
  const LOG = [
    "Dec  2 15:46:03 dnsmasq[29946]: read /srv/lab/dhcp/d1/names - 1 names",
    "Dec  2 15:46:03 dnsmasq-dhcp[29946]: read /srv/lab/dhcp/d1/hosts",
    "Dec  2 15:46:09 dnsmasq-dhcp[29946]: read /srv/lab/dhcp/d1/hosts",
    "Dec  2 15:46:09 dnsmasq-dhcp[29946]: read /srv/lab/dhcp/d1/hosts.old",
    "Dec  2 15:46:09 dnsmasq-dhcp[29946]: read /srv/lab/dhcp/d10/hosts",
    "",
  ].join("\n");
  test.each<[string, string, number]>([
    ["two reads of our hosts file (start, one SIGHUP); other files do not count", LOG, 2],
    ["empty log", "", 0],
  ])("%s", (_t, log, want) => {
    expect(hostsReadCount(log, paths.hostsFile)).toBe(want);
  });
});

describe("leases in a deleted lease file", () => {
  test("found through the state directory's real path (a symlink on the way)", async () => {
    // /srv/lab -> /data/lab: the kernel names the open deleted file by its real path.
    const files = new ProcFiles(
      { "/proc/7/fd/3": "1700000000 52:54:00:00:00:01 10.0.0.5 web *\n", "/proc/7/fd/4": "x" },
      { "/srv/lab": "/data/lab", "/proc/7/fd/3": "/data/lab/dhcp/d1/leases (deleted)", "/proc/7/fd/4": "/data/lab/dhcp/d1/hosts" },
    );
    expect(await deletedLeaseText(files, 7, paths)).toBe("1700000000 52:54:00:00:00:01 10.0.0.5 web *\n");
  });

  test("none: the lease file is open but not deleted", async () => {
    const files = new ProcFiles({ "/proc/7/fd/3": "x" }, { "/proc/7/fd/3": "/srv/lab/dhcp/d1/leases" });
    expect(await deletedLeaseText(files, 7, paths)).toBeUndefined();
  });
});

describe("SIGHUP is confirmed by dnsmasq's log", () => {
  const READ = `Dec  2 15:46:03 dnsmasq-dhcp[7]: read ${paths.hostsFile}\n`;
  /** A host whose dnsmasq logs the re-read only after `lag` more reads of its log, once signalled. */
  const fakeHost = (lag: number) => {
    const signals: string[][] = [];
    let log = READ;
    let readsAfterSignal = -1;
    const files = new MemoryFiles();
    files.readText = async (p: string) => {
      if (p !== paths.logFile) return undefined;
      if (readsAfterSignal >= 0 && ++readsAfterSignal === lag) log += READ;
      return log;
    };
    const host = { files, runner: { run: async (argv: string[]) => (signals.push(argv), readsAfterSignal = 0, { stdout: "", stderr: "" }) } };
    return { host: host as unknown as Host, signals };
  };

  test("resolves only once the log shows another read of the hosts file", async () => {
    const { host, signals } = fakeHost(3);
    await reloadDnsmasq(host, 7, paths, 5000);
    expect(signals).toEqual([["kill", "-HUP", "7"]]);
    expect(hostsReadCount(await host.files.readText(paths.logFile) ?? "", paths.hostsFile)).toBe(2);
  });

  test("fails naming the log when dnsmasq never re-reads it", async () => {
    const { host } = fakeHost(Infinity);
    await expect(reloadDnsmasq(host, 7, paths, 300)).rejects.toThrow(`dnsmasq (pid 7) was sent SIGHUP but did not log re-reading ${paths.hostsFile} within 0.3s; see its log ${paths.logFile}`);
  });
});
