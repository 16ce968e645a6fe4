import type { Host } from "../host";
import { QmpConnectionError, type QmpClient } from "./qmp-client";
import { liveProcess, signalPid, waitForExit } from "./qemu-process";
import { messageOf } from "../runner/message-of";

/** What QMP says about a running VM. */
export interface VmRuntimeStatus {
  /** `query-status`: running, paused, shutdown, internal-error, guest-panicked, … */
  status: string;
  /** The accelerator actually in use (`query-kvm`). */
  acceleration: "kvm" | "tcg";
}

/** query-status + query-kvm on one connection. */
export async function queryRuntime(qmp: QmpClient): Promise<VmRuntimeStatus> {
  const st = await qmp.execute<{ status: string }>("query-status");
  const kvm = await qmp.execute<{ enabled: boolean }>("query-kvm");
  return { status: st.status, acceleration: kvm.enabled ? "kvm" : "tcg" };
}

/**
 * Wait until QMP answers and the VM runs: poll with a short backoff up to the deadline; fail early when
 * the process is gone (QEMU exited after daemonizing, e.g. the guest powered off at once).
 */
export async function waitUntilRunning(host: Host, qmpSocket: string, pid: number, timeoutMs: number): Promise<VmRuntimeStatus> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  let last: unknown;
  for (;;) {
    try {
      const rt = await host.withQmp(qmpSocket, queryRuntime, { timeoutMs: Math.max(500, Math.min(5000, deadline - Date.now())) });
      if (rt.status === "running") return rt;
      last = new Error(`VM status is "${rt.status}"`);
    } catch (e) {
      last = e;
    }
    if (!(await liveProcess(host.files, pid))) throw new Error(`QEMU (pid ${pid}) exited right after starting: ${messageOf(last)}`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`QEMU (pid ${pid}) did not report "running" over QMP within ${timeoutMs} ms: ${messageOf(last)}`);
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    delay = Math.min(delay * 2, 250);
  }
}

/** How a stop ended. */
export type StopOutcome = "already-gone" | "powered-off" | "quit" | "killed";

/** How long one QMP attempt during a stop may take before escalating. */
const STOP_QMP_TIMEOUT_MS = 3000;

/**
 * Stop a VM: ACPI power button (`system_powerdown`) and wait up to `stopTimeoutMs` for the guest to power
 * off, then QMP `quit`, then SIGKILL as the last resort (at once when QMP does not answer at all: a hung
 * QEMU would not obey `quit` either). Resolves once the process is gone.
 */
export async function stopQemu(host: Host, pid: number, qmpSocket: string, stopTimeoutMs: number): Promise<StopOutcome> {
  if (!(await liveProcess(host.files, pid))) return "already-gone";
  let hung = false;
  if (stopTimeoutMs > 0) {
    const asked = await qmpTry(host, qmpSocket, (q) => q.execute("system_powerdown"));
    if (asked === "ok" && (await waitForExit(host.files, pid, stopTimeoutMs))) return "powered-off";
    hung = asked === "timeout";
  }
  if (!hung) {
    const quit = await qmpTry(host, qmpSocket, (q) => q.execute("quit"));
    if (quit !== "timeout" && (await waitForExit(host.files, pid, 5000))) return "quit";
  }
  await signalPid(host, pid, "KILL");
  if (!(await waitForExit(host.files, pid, 10_000))) throw new Error(`QEMU (pid ${pid}) is still alive 10 s after SIGKILL`);
  return "killed";
}

/** Run a QMP call during a stop: "ok", "timeout" (QEMU does not answer), or "failed" (gone, refused, error). */
async function qmpTry(host: Host, socket: string, fn: (q: QmpClient) => Promise<unknown>): Promise<"ok" | "timeout" | "failed"> {
  try {
    await host.withQmp(socket, fn, { timeoutMs: STOP_QMP_TIMEOUT_MS });
    return "ok";
  } catch (e) {
    if (e instanceof QmpConnectionError && e.failure === "closed") return "ok"; // `quit` may close before replying
    return e instanceof QmpConnectionError && e.failure === "timeout" ? "timeout" : "failed";
  }
}
