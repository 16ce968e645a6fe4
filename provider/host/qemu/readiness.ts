import type { Host } from "../host";
import { liveProcess } from "./qemu-process";

/** What a started VM must show before create returns. */
export interface ReadinessSpec {
  /** A JavaScript regular expression matched against each serial console line. */
  serialPattern?: string;
  /** A TCP port that must accept a connection from the VM's namespace. */
  tcp?: { host: string; port: number; /** Count it only once the peer sends a byte (a target QEMU accepts for the guest). */ expectData?: boolean };
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

/** True when some line of `text` matches `pattern` (so `^`/`$` anchor a line). Pure. */
export function serialMatches(text: string, pattern: string): boolean {
  const re = new RegExp(pattern);
  return serialLines(text).some((l) => re.test(l));
}

/** The last `n` lines of a serial log. Pure. */
export function lastSerialLines(text: string, n = READINESS_TAIL_LINES): string[] {
  return serialLines(text).slice(-n);
}

/**
 * A node script that connects once to host:port and prints `open` (connected, and a first byte came when
 * `expectData`) or `closed`; it always exits 0 within `timeoutMs`. Pure.
 */
export function tcpProbeScript(host: string, port: number, expectData: boolean, timeoutMs: number): string {
  return (
    `const s=require("net").connect(${port},${JSON.stringify(host)});const done=(r)=>{process.stdout.write(r);s.destroy();process.exit(0);};` +
    `setTimeout(()=>done("closed"),${timeoutMs});s.on("error",()=>done("closed"));s.on("close",()=>done("closed"));` +
    (expectData ? `s.on("data",()=>done("open"));` : `s.on("connect",()=>done("open"));`)
  );
}

/**
 * One TCP probe from the VM's namespace: a short-lived node process moved there by `ip netns exec` (node cannot
 * enter a namespace itself). True when the port accepted (and sent a byte, with `expectData`).
 */
export async function probeTcp(host: Host, target: { host: string; port: number; expectData?: boolean }, timeoutMs = 2000): Promise<boolean> {
  const r = await host.exec([process.execPath, "-e", tcpProbeScript(target.host, target.port, target.expectData ?? false, timeoutMs)], { timeoutMs: timeoutMs + 10_000 });
  return r.stdout.trim() === "open";
}

/** The VM did not become ready in time, or QEMU exited while waiting; carries the serial tail. */
export class ReadinessError extends Error {
  constructor(
    readonly what: string,
    readonly serialTail: string[],
    serialLog: string,
  ) {
    super(
      `${what}; last ${serialTail.length} line(s) of the serial console (${serialLog}):\n` +
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
  let serialOk = spec.serialPattern === undefined;
  let tcpOk = spec.tcp === undefined;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    if (!serialOk) serialOk = serialMatches(await readLog(), spec.serialPattern!);
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
