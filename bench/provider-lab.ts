/**
 * The network lab through the lifecycle driver: the Pulumi program in bench/programs/network-lab run with the
 * real runtime and the real dynamic-provider process, timed per operation, with the provider's spawned
 * processes and peak memory recorded by the probe.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LifecycleDriver, OperationResult, PROVIDER_KEY, ProviderClient } from "../driver";
import type { PropertyMap } from "../driver";
import { labResourceCount } from "./lab-spec";
import { BENCH_DIR } from "./paths";
import { probeEnv, readProbeLog, type ProbeSummary } from "./probe-log";
import { messageOf } from "../provider/host/runner/message-of";

/** The lab program's folder. */
export const NETWORK_LAB_PROGRAM = path.join(BENCH_DIR, "programs", "network-lab");

/** One timed operation. */
export interface TimedOp {
  ms: number;
  probe: ProbeSummary;
  result?: OperationResult;
}

/** Everything measured in one provider trial. */
export interface ProviderTrial {
  up: TimedOp;
  /** drift: resources a no-change refresh reported changed, as `name: keys`. */
  refresh: TimedOp & { drift: string[] };
  /** Read calls alone: every resource read at once in a started, configured provider process. */
  reads: TimedOp & { count: number };
  destroy: TimedOp;
  resources: number;
}

function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  return f().then((value) => ({ ms: Number(process.hrtime.bigint() - started) / 1e6, value }));
}

/** Runs up, refresh, the bare reads and destroy of a lab of size n in namespace `netns`. */
export async function runProviderTrial(
  n: number,
  netns: string,
  log: (text: string) => void = () => undefined,
  verify: () => void = () => undefined,
): Promise<ProviderTrial> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-lab-bench-"));
  const stateFile = path.join(dir, "state.json");
  let output = "";
  const driverFor = (probeFile: string) =>
    new LifecycleDriver({
      programDir: NETWORK_LAB_PROGRAM,
      stack: "bench",
      stateFile,
      config: { n, netns },
      write: (text) => (output += text),
      env: probeEnv(probeFile),
    });
  const op = async (name: string, run: (d: LifecycleDriver) => Promise<OperationResult>): Promise<TimedOp> => {
    const probeFile = path.join(dir, `${name}.probe`);
    output = "";
    try {
      const { ms, value } = await timed(() => run(driverFor(probeFile)));
      log(`${name} n=${n}: ${(ms / 1000).toFixed(3)} s`);
      return { ms, probe: readProbeLog(probeFile), result: value };
    } catch (e) {
      throw new Error(`${name} of the network lab (n=${n}) failed: ${messageOf(e)}\n--- driver output ---\n${output}`);
    }
  };
  try {
    const up = await op("up", (d) => d.up());
    const created = up.result?.steps.filter((s) => s.custom && s.op === "create").length ?? 0;
    if (created !== labResourceCount(n)) throw new Error(`up created ${created} resources, expected ${labResourceCount(n)}`);
    verify(); // the kernel and bridge.conf really have the lab
    const refresh = await op("refresh", (d) => d.refresh());
    const reads = await timeReads(path.join(dir, "reads.probe"), driverFor(""));
    const destroy = await op("destroy", (d) => d.destroy());
    return { up, refresh: { ...refresh, drift: driftOf(refresh.result) }, reads, destroy, resources: created };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Resources a refresh reported as changed, with the changed keys. Pure. */
export function driftOf(result: OperationResult | undefined): string[] {
  return (result?.steps ?? []).filter((s) => s.op === "refresh").map((s) => `${s.name}: ${s.diffs.join(", ")}`);
}

/**
 * Times Read of every resource in state, all at once, in a provider process that is already started and
 * configured (as a refresh does after start-up). Spawns are counted only within the reads.
 */
async function timeReads(probeFile: string, driver: LifecycleDriver): Promise<TimedOp & { count: number }> {
  const resources = driver.state().resources.filter((r) => r.custom && r.id);
  const client = await ProviderClient.start({ cwd: NETWORK_LAB_PROGRAM, env: probeEnv(probeFile) });
  let ms: number;
  let readsFrom: number;
  try {
    await client.configure({});
    readsFrom = Date.now();
    ({ ms } = await timed(() =>
      Promise.all(
        resources.map(async (r) => {
          const properties: PropertyMap = typeof r.outputs[PROVIDER_KEY] === "string" ? r.outputs : { ...r.outputs, [PROVIDER_KEY]: r.inputs[PROVIDER_KEY] };
          const res = await client.read({ urn: r.urn, id: r.id!, properties, inputs: r.inputs });
          if (!res.id) throw new Error(`Read of ${r.urn} says it is gone`);
        }),
      ),
    ));
  } finally {
    await client.close();
  }
  const probe = readProbeLog(probeFile);
  return { ms, count: resources.length, probe: { ...probe, spawns: probe.spawns.filter((s) => s.t >= readsFrom) } };
}
