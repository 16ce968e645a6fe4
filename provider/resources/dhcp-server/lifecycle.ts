import * as path from "node:path";
import type { Host } from "../../host/host";
import { assertPrivateStateDir } from "../../host/files/private-dir";
import { dhcpPaths, dhcpRoot, type DhcpPaths } from "../../host/dnsmasq/dhcp-paths";
import { ownerOfConfig, renderDnsmasqConfig, type DhcpSpec } from "../../host/dnsmasq/dnsmasq-config";
import { deletedLeaseText, findOurDnsmasq, launchDnsmasq, readListeners, reloadDnsmasq, scanForOurDnsmasq, stopDnsmasq } from "../../host/dnsmasq/dnsmasq-process";
import { DhcpPreflightError, diagnoseDhcp } from "../../host/dnsmasq/dhcp-preflight";
import { parseHostsFile, renderHostsFile, renderNamesFile } from "../../host/dnsmasq/hosts-file";
import { parseLeaseFile, type DhcpLease } from "../../host/dnsmasq/lease-file";
import { messageOf } from "../../host/runner/message-of";
import { checkWithSchema } from "../common/check";
import type { ResourceHandler } from "../common/handler";
import { hostOf, whereOf } from "../common/host-of";
import { diffDhcpServer, needsRestart } from "./diff";
import { dhcpServerInputsSchema, type DhcpServerInputs, type DhcpServerState } from "./schema";

const KIND = "DhcpServer";

/**
 * Mode of every file we write for dnsmasq, and of its directories (0755): dnsmasq drops root for user `dnsmasq` before
 * it reads the hosts files (at start and on every SIGHUP), so they must be readable by others; they hold MACs,
 * addresses and names, no secrets. The lease file is opened by dnsmasq while still root and kept open, so it stays
 * root's; the pidfile and log dnsmasq chowns to its user itself.
 */
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/** The dnsmasq spec from checked inputs. Pure. */
export function specOf(i: DhcpServerInputs): DhcpSpec {
  return {
    name: i.name, bridge: i.bridge, range: i.range, leaseTime: i.leaseTime, router: i.router, dnsDomain: i.dnsDomain, staticLeases: i.staticLeases,
    upstreamDns: i.upstreamDns,
  };
}

/** What the host has for a server: our dnsmasq's pid, the lease file's leases, the hosts file's static leases. */
interface Observed {
  pid?: number;
  leases: DhcpLease[];
  leaseFilePresent: boolean;
  staticLeases?: DhcpServerInputs["staticLeases"];
}

async function observe(host: Host, paths: DhcpPaths): Promise<Observed> {
  const [pid, leaseText, hostsText] = await Promise.all([
    findOurDnsmasq(host.files, paths),
    host.files.readText(paths.leaseFile, { noFollow: true }),
    host.files.readText(paths.hostsFile, { noFollow: true }),
  ]);
  return { pid, leases: parseLeaseFile(leaseText ?? ""), leaseFilePresent: leaseText !== undefined, staticLeases: hostsText === undefined ? undefined : parseHostsFile(hostsText) };
}

function stateOf(inputs: DhcpServerInputs, paths: DhcpPaths, obs: Observed): DhcpServerState {
  return {
    ...inputs,
    leases: obs.leases,
    pid: obs.pid,
    leaseFile: obs.leaseFilePresent ? paths.leaseFile : undefined,
    status: obs.pid === undefined ? "stopped" : "running",
  };
}

/** Write the hosts files (atomically: dnsmasq may re-read them at any moment); true when either changed. */
async function writeStaticLeases(host: Host, paths: DhcpPaths, leases: DhcpServerInputs["staticLeases"]): Promise<boolean> {
  let changed = false;
  for (const [file, text] of [[paths.hostsFile, renderHostsFile(leases)], [paths.namesFile, renderNamesFile(leases)]] as const) {
    if ((await host.files.readText(file, { noFollow: true }).catch(() => undefined)) === text) continue;
    await host.files.writeTextAtomic(file, text, { mode: FILE_MODE });
    changed = true;
  }
  return changed;
}

/** The directories from `dir` up that do not exist yet (the ones an ensureDir of `dir` creates). */
async function missingDirs(host: Host, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (let p = dir; p !== path.dirname(p) && !(await host.files.exists(p)); p = path.dirname(p)) out.push(p);
  return out;
}

/** Fail with the preflight's problems (each with its fix) before anything is stopped, written or started. */
async function preflight(host: Host, inputs: DhcpServerInputs, paths: DhcpPaths, ours: readonly number[]): Promise<void> {
  const problems = await diagnoseDhcp(host, specOf(inputs), paths, ours);
  if (problems.length) throw new DhcpPreflightError(problems);
}

/**
 * Preflight, write our files, start dnsmasq, and check it is ours and holds port 67 on the bridge. The lease file is
 * kept (a restart keeps every lease); a missing one is created empty (update first refills it from the deleted file
 * a running dnsmasq still holds, when it can). A dnsmasq that started but fails a check is stopped again.
 */
async function startDnsmasq(host: Host, inputs: DhcpServerInputs, paths: DhcpPaths, owner: string | undefined): Promise<number> {
  const spec = specOf(inputs);
  await preflight(host, inputs, paths, []);
  const created = await missingDirs(host, paths.dir);
  await host.files.ensureDir(host.stateDir, DIR_MODE);
  await host.files.ensureDir(dhcpRoot(host.stateDir), DIR_MODE);
  await host.files.ensureDir(paths.dir, DIR_MODE);
  // mkdir applies the umask (0077 makes them 0700): what we made, and our own two, must let dnsmasq's user through.
  await host.runner.run(["chmod", DIR_MODE.toString(8), ...new Set([...created, dhcpRoot(host.stateDir), paths.dir])], { timeoutMs: 5000 });
  await host.files.writeTextAtomic(paths.confFile, renderDnsmasqConfig(spec, paths, owner), { mode: FILE_MODE });
  await writeStaticLeases(host, paths, inputs.staticLeases);
  if ((await host.files.readText(paths.leaseFile, { noFollow: true })) === undefined) await host.files.writeTextAtomic(paths.leaseFile, "", { mode: FILE_MODE });
  try {
    await launchDnsmasq(host, paths);
  } catch (e) {
    throw new Error(`dnsmasq refused to start ${whereOf(host.netns)}: ${messageOf(e)}`, { cause: e });
  }
  const pid = await findOurDnsmasq(host.files, paths);
  if (pid === undefined)
    throw new Error(`dnsmasq started but ${paths.pidFile} names no live dnsmasq of ours; see its log ${paths.logFile}`);
  const bound = (await readListeners(host, 67)).some((l) => l.device === inputs.bridge && l.processes.some((p) => p.pid === pid));
  if (!bound) {
    await stopDnsmasq(host, pid).catch(() => undefined);
    throw new Error(`dnsmasq (pid ${pid}) ran but did not listen on UDP port 67 on "${inputs.bridge}" ${whereOf(host.netns)}, so it was stopped; see its log ${paths.logFile}`);
  }
  return pid;
}

/** Stop our dnsmasq and fail when it will not go (a second one would then be started beside it). */
async function stopOurs(host: Host, pid: number, name: string): Promise<void> {
  if (!(await stopDnsmasq(host, pid))) throw new Error(`dnsmasq of DhcpServer "${name}" (pid ${pid}) did not exit after SIGTERM and SIGKILL`);
}

/** DhcpServer: dnsmasq bound to one bridge (DHCP + DNS for its clients), recognised by pidfile + exe + cmdline. */
export const dhcpServerHandler: ResourceHandler<DhcpServerInputs, DhcpServerState> = {
  kind: KIND,

  check: (_olds, news) => checkWithSchema(dhcpServerInputsSchema(), news),

  diff: (_id, olds, news) => diffDhcpServer(olds, news),

  async create(inputs, ctx) {
    const host = hostOf(ctx, inputs.host);
    // Before anything there is read or written: dnsmasq writes its pidfile and log there as root.
    await assertPrivateStateDir(host.files, host.stateDir);
    const paths = dhcpPaths(host.stateDir, inputs.name);
    const running = await findOurDnsmasq(host.files, paths);
    const conf = await host.files.readText(paths.confFile, { noFollow: true });
    const owner = conf === undefined ? undefined : ownerOfConfig(conf);
    if (running !== undefined) {
      // Started by a create of this same resource that was killed before Pulumi recorded it: ours, started afresh.
      if (ctx.owner === undefined || owner !== ctx.owner)
        throw new Error(
          `a DhcpServer named "${inputs.name}" is already running (dnsmasq pid ${running}, state dir ${paths.dir}), started by another stack or resource; ` +
            `stop it (kill ${running}) or give this DhcpServer another name`,
        );
      await stopOurs(host, running, inputs.name);
    } else if (conf !== undefined && owner !== ctx.owner)
      throw new Error(
        `${paths.dir} holds the files of a DhcpServer named "${inputs.name}" that belongs to ${owner === undefined ? "an unlabelled owner" : `"${owner}"`} ` +
          `(its dnsmasq is not running, its leases are kept there); fix: destroy that DhcpServer from its own stack, remove the directory by hand ` +
          `(rm -r ${paths.dir}) if that stack no longer exists, or give this DhcpServer another name`,
      );
    // Leftovers of this resource's own server (its label, or no config at all): a new server starts empty.
    await host.files.remove(paths.dir);
    try {
      await startDnsmasq(host, inputs, paths, ctx.owner);
    } catch (e) {
      const pid = await findOurDnsmasq(host.files, paths).catch(() => undefined);
      if (pid !== undefined) await stopDnsmasq(host, pid).catch(() => undefined);
      if (!(e instanceof DhcpPreflightError)) await host.files.remove(paths.dir).catch(() => undefined);
      throw e;
    }
    return { id: inputs.name, outs: stateOf(inputs, paths, await observe(host, paths)) };
  },

  async read(id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    const paths = dhcpPaths(host.stateDir, olds.name ?? id);
    const obs = await observe(host, paths);
    // A server whose dnsmasq is gone reads as "stopped" (not gone): the next up starts it again.
    const outs = stateOf({ ...olds, staticLeases: obs.staticLeases ?? [] } as DhcpServerInputs, paths, obs);
    return { id, outs };
  },

  async update(id, olds, news, ctx) {
    const host = hostOf(ctx, news.host);
    await assertPrivateStateDir(host.files, host.stateDir);
    const paths = dhcpPaths(host.stateDir, news.name);
    const pid = await findOurDnsmasq(host.files, paths);
    const conf = await host.files.readText(paths.confFile, { noFollow: true });
    const leaseFileThere = (await host.files.readText(paths.leaseFile, { noFollow: true })) !== undefined;
    const confCurrent = conf === renderDnsmasqConfig(specOf(news), paths, ctx.owner ?? ownerOfConfig(conf ?? ""));
    if (pid !== undefined && leaseFileThere && confCurrent && !needsRestart(olds, news)) {
      // Static leases only: rewrite the hosts files and SIGHUP; dnsmasq keeps its pid and leases.
      if ((await writeStaticLeases(host, paths, news.staticLeases)) || JSON.stringify(olds.staticLeases) !== JSON.stringify(news.staticLeases))
        await reloadDnsmasq(host, pid, paths);
      const now = await observe(host, paths);
      if (now.pid !== pid) throw new Error(`dnsmasq (pid ${pid}) ${whereOf(host.netns)} exited after it was told to re-read its static leases; see its log ${paths.logFile}`);
      return stateOf(news, paths, now);
    }
    // Before the running dnsmasq is stopped: a refused update leaves the network its DHCP server.
    if (pid !== undefined) await preflight(host, news, paths, [pid]);
    // A lease file deleted while dnsmasq runs: its leases are still in the open (deleted) file; keep them.
    const kept = pid !== undefined && !leaseFileThere ? await deletedLeaseText(host.files, pid, paths) : undefined;
    if (pid !== undefined) await stopOurs(host, pid, id);
    if (kept !== undefined && (await host.files.readText(paths.leaseFile, { noFollow: true })) === undefined)
      await host.files.writeTextAtomic(paths.leaseFile, kept, { mode: FILE_MODE });
    await startDnsmasq(host, news, paths, ctx.owner ?? ownerOfConfig(conf ?? ""));
    return stateOf(news, paths, await observe(host, paths));
  },

  async delete(id, olds, ctx) {
    const host = hostOf(ctx, olds.host);
    const paths = dhcpPaths(host.stateDir, olds.name ?? id);
    // The pidfile's dnsmasq and any orphan started with our config (its pidfile gone): none may keep port 67.
    const pids = new Set([await findOurDnsmasq(host.files, paths), ...(await scanForOurDnsmasq(host.files, paths))]);
    for (const pid of pids) if (pid !== undefined) await stopOurs(host, pid, olds.name ?? id);
    await host.files.remove(paths.dir);
  },
};
