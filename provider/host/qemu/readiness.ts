import type { Host } from "../host";
import { liveProcess } from "./qemu-process";

/** What a started VM must show before create returns. */
export interface ReadinessSpec {
  /** A JavaScript regular expression matched against each serial console line (its first 4 KiB), once per line. */
  serialPattern?: string;
  /** A TCP port that must accept a connection from the VM's namespace. */
  tcp?: { host: string; port: number; /** Count it only once the peer sends a byte (a target QEMU accepts for the guest); default false. */ expectData?: boolean };
  timeoutSeconds: number;
}

/** How many serial lines a readiness failure shows. */
export const READINESS_TAIL_LINES = 20;

/** Lines of a serial log: CR stripped (the guest's console writes CRLF), a trailing partial line kept. Pure. */
export function serialLines(text: string): string[] {
  const lines = text.replace(/\r/g, "").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The longest part of a serial line a pattern is matched against: bounds what one regex run can cost. */
export const MAX_MATCHED_LINE = 4096;

/** True when some line of `text` matches `pattern` (so `^`/`$` anchor a line; a line's first 4 KiB). Pure. */
export function serialMatches(text: string, pattern: string): boolean {
  return anyLineMatches(text, new RegExp(pattern));
}

function anyLineMatches(text: string, re: RegExp): boolean {
  return serialLines(text).some((l) => re.test(l.slice(0, MAX_MATCHED_LINE)));
}

/**
 * Matches a pattern against a growing serial log, each line once as it completes (a user's regex must not rescan the
 * whole log every poll): `feed` takes the log as it is now and looks only at what came after the last complete line
 * (plus the unterminated last line, re-tried until it completes). A log that shrank (a new QEMU truncated it) starts
 * over.
 */
export class SerialScanner {
  private offset = 0;
  private readonly re: RegExp;

  constructor(pattern: string) {
    this.re = new RegExp(pattern);
  }

  /** True when a line not yet seen (or the unterminated last one) matches. */
  feed(text: string): boolean {
    if (text.length < this.offset) this.offset = 0;
    const fresh = text.slice(this.offset);
    const end = fresh.lastIndexOf("\n");
    if (end >= 0) this.offset += end + 1; // complete lines are never looked at again
    return anyLineMatches(fresh, this.re);
  }
}

/** The last `n` lines of a serial log. Pure. */
export function lastSerialLines(text: string, n = READINESS_TAIL_LINES): string[] {
  return serialLines(text).slice(-n);
}

/**
 * The argv of one TCP probe: bash's `/dev/tcp` under coreutils' `timeout` (on every Debian host, this one or a remote
 * one, unlike node). Prints `open` when host:port accepted (and sent a first byte, with `expectData`), nothing
 * otherwise; exits 0 or 124 (timed out). host and port are arguments, never part of the script. Pure.
 */
export function tcpProbeArgv(host: string, port: number, expectData: boolean, timeoutMs: number): string[] {
  const script = 'exec 3<>"/dev/tcp/$1/$2" || exit 0; if [ "$3" = 1 ]; then [ "$(head -c1 <&3 | wc -c)" = 1 ] || exit 0; fi; echo open';
  return ["timeout", (Math.max(1, timeoutMs) / 1000).toFixed(3), "bash", "-c", script, "probe", host, String(port), expectData ? "1" : "0"];
}

/**
 * One TCP probe from the VM's namespace (`ip netns exec`: a process cannot be moved there otherwise), on the VM's
 * machine. True when the port accepted (and sent a byte, with `expectData`).
 */
export async function probeTcp(host: Host, target: { host: string; port: number; expectData?: boolean }, timeoutMs = 2000): Promise<boolean> {
  const r = await host.exec(tcpProbeArgv(target.host, target.port, target.expectData ?? false, timeoutMs), { timeoutMs: timeoutMs + 10_000, okExitCodes: [0, 1, 124] });
  return r.stdout.trim() === "open";
}

/**
 * The VM did not become ready in time, or QEMU exited while waiting; carries the serial tail, which the message shows
 * (what the guest printed, secrets included). `where`: the log's path, or what became of it.
 */
export class ReadinessError extends Error {
  constructor(
    readonly what: string,
    readonly serialTail: string[],
    where: string,
  ) {
    super(
      `${what}; last ${serialTail.length} line(s) of the serial console (${where}):\n` +
        (serialTail.length ? serialTail.map((l) => `  | ${l}`).join("\n") : "  (empty)"),
    );
    this.name = "ReadinessError";
  }
}

/** What a readiness wait is waiting for, for messages. Pure. */
export function describeReadiness(spec: ReadinessSpec): string {
  const parts: string[] = [];
  if (spec.serialPattern !== undefined) parts.push(`serial line matching /${spec.serialPattern}/`);
  if (spec.tcp) parts.push(`TCP ${spec.tcp.host}:${spec.tcp.port} accepting${spec.tcp.expectData ? " and sending" : ""}`);
  return parts.join(" and ");
}

/**
 * Wait until every readiness condition holds: the serial log has a matching line and/or the TCP port accepts (probed
 * with a backoff). Fails with {@link ReadinessError} on timeout, or at once when QEMU (pid) exits.
 */
export async function waitForReadiness(host: Host, spec: ReadinessSpec, serialLog: string, pid: number): Promise<void> {
  const timeoutMs = spec.timeoutSeconds * 1000;
  const deadline = Date.now() + timeoutMs;
  const readLog = async () => (await host.files.readText(serialLog, { noFollow: true }).catch(() => undefined)) ?? "";
  const scanner = spec.serialPattern === undefined ? undefined : new SerialScanner(spec.serialPattern);
  let serialOk = scanner === undefined;
  let tcpOk = spec.tcp === undefined;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    if (!serialOk) serialOk = scanner!.feed(await readLog());
    if (serialOk && !tcpOk) tcpOk = await probeTcp(host, spec.tcp!, Math.max(200, Math.min(2000, deadline - Date.now())));
    if (serialOk && tcpOk) return;
    if (!(await liveProcess(host.files, pid))) throw new ReadinessError(`QEMU (pid ${pid}) exited before the VM was ready (waiting for ${describeReadiness(spec)})`, lastSerialLines(await readLog()), serialLog);
    const left = deadline - Date.now();
    if (left <= 0) {
      const missing = describeReadiness({ ...spec, serialPattern: serialOk ? undefined : spec.serialPattern, tcp: tcpOk ? undefined : spec.tcp });
      throw new ReadinessError(`not ready within readiness.timeoutSeconds (${spec.timeoutSeconds} s): no ${missing}`, lastSerialLines(await readLog()), serialLog);
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
  }
}
