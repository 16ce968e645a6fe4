import { z } from "zod";
import type { Host } from "../host";
import { isFailure } from "../runner/command-error";
import { bridgeArgv, FLOOD_MAC, floodEntryArgs, type FloodEntry } from "./vxlan-argv";
import { parseIpJson } from "./ip-json";

/** One entry of `bridge -j fdb show dev D` (iproute2 6.1's keys), built on demand (no module-level zod objects). */
export function fdbEntrySchema() {
  return z
    .object({
      mac: z.string(),
      dst: z.string().optional(),
      port: z.number().int().optional(),
      vni: z.number().int().optional(),
      /** `via DEV` in the same namespace. */
      viaIf: z.string().optional(),
      /** `via` a link in another namespace: only its index is known. */
      viaIfIndex: z.number().int().optional(),
      flags: z.array(z.string()).default([]),
      master: z.string().optional(),
      state: z.string().optional(),
    })
    .passthrough();
}

/** One fdb entry as `bridge -j` reports it. */
export type FdbEntry = z.infer<ReturnType<typeof fdbEntrySchema>>;

/** Parse `bridge -j fdb show dev D`; throws naming the entry when bridge's answer is not what we expect. Pure. */
export function parseFdbJson(text: string): FdbEntry[] {
  return parseIpJson(text, fdbEntrySchema(), "bridge fdb");
}

/**
 * The device's flood entries (all-zeros MAC with a destination), in the kernel's order. An entry pinned to a link in
 * another namespace gets `via` `#INDEX` (no name can be given for it). Pure.
 */
export function floodEntriesOf(entries: readonly FdbEntry[]): FloodEntry[] {
  return entries
    .filter((e) => e.mac === FLOOD_MAC && e.dst !== undefined && e.master === undefined)
    .map((e) => {
      const f: FloodEntry = { dst: e.dst! };
      if (e.port !== undefined) f.port = e.port;
      if (e.vni !== undefined) f.vni = e.vni;
      const via = e.viaIf ?? (e.viaIfIndex !== undefined ? `#${e.viaIfIndex}` : undefined);
      if (via !== undefined) f.via = via;
      return f;
    });
}

/** The fdb of device `dev`, or undefined when there is no such device. */
export async function readFdb(host: Host, dev: string): Promise<FdbEntry[] | undefined> {
  try {
    const r = await host.runner.run(bridgeArgv(host.netns, ["-j", "fdb", "show", "dev", dev]));
    return parseFdbJson(r.stdout);
  } catch (e) {
    if (isFailure(e, "not-found")) return undefined;
    throw e;
  }
}

/**
 * Remove then add flood entries of `dev`: removals one command each (one already gone is success: the kernel says
 * ENOENT only when no flood entry is left), additions in one `bridge -batch` (appending an entry that exists is a no-op).
 */
export async function changeFloodEntries(host: Host, dev: string, remove: readonly FloodEntry[], add: readonly FloodEntry[]): Promise<void> {
  const results = await Promise.allSettled(
    remove.map(async (e) => {
      try {
        await host.runner.run(bridgeArgv(host.netns, floodEntryArgs("del", dev, e)));
      } catch (err) {
        // ENOENT for the flood MAC means none is left, so this one is gone too; a missing device is not success.
        if (!isFailure(err, "not-found") || /cannot find device/i.test(err.stderr)) throw err;
      }
    }),
  );
  const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (failed.length > 0) throw failed[0];
  if (add.length === 0) return;
  const input = add.map((e) => floodEntryArgs("append", dev, e).join(" ")).join("\n") + "\n";
  await host.runner.run(bridgeArgv(host.netns, ["-batch", "-"]), { input });
}
