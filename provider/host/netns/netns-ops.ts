import type { CommandRunner } from "../runner/types";
import { isFailure } from "../runner/command-error";

/** Network namespaces on the machine, by name (`ip -j netns list`). */
export async function listNetns(runner: CommandRunner): Promise<Set<string>> {
  const out = (await runner.run(["ip", "-j", "netns", "list"])).stdout.trim();
  if (!out) return new Set();
  const list = JSON.parse(out) as Array<{ name: string }>;
  return new Set(list.map((n) => n.name));
}

/** Create a namespace and bring its loopback up. Rejects with kind "exists" when it is already there. */
export async function addNetns(runner: CommandRunner, name: string): Promise<void> {
  await runner.run(["ip", "netns", "add", name]);
  await runner.run(["ip", "-n", name, "link", "set", "lo", "up"]);
}

/** Delete a namespace; already gone is success. */
export async function deleteNetns(runner: CommandRunner, name: string): Promise<void> {
  try {
    await runner.run(["ip", "netns", "delete", name]);
  } catch (e) {
    if (isFailure(e, "not-found")) return;
    throw e;
  }
}
