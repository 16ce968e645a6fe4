import type { CommandRunner } from "../runner/types";
import { unlessGone } from "../runner/command-error";

/** Network namespaces on the machine, by name (`ip -j netns list`). */
export async function listNetns(runner: CommandRunner): Promise<Set<string>> {
  const out = (await runner.run(["ip", "-j", "netns", "list"])).stdout.trim();
  if (!out) return new Set();
  const list = JSON.parse(out) as Array<{ name: string }>;
  return new Set(list.map((n) => n.name));
}

/**
 * Create a namespace and bring its loopback up, labelling the loopback with `label` (a namespace has no name
 * field of its own to carry one). Rejects with kind "exists" when it is already there (then nothing is undone: the
 * namespace is someone else's); when the loopback step fails, deletes the namespace it has just made, and only that.
 */
export async function addNetns(runner: CommandRunner, name: string, label?: string): Promise<void> {
  await runner.run(["ip", "netns", "add", name]);
  try {
    await runner.run(["ip", "-n", name, "link", "set", "lo", "up", ...(label === undefined ? [] : ["alias", label])]);
  } catch (e) {
    await deleteNetns(runner, name).catch(() => undefined);
    throw e;
  }
}

/** The label on a namespace's loopback, or undefined. */
export async function netnsLabel(runner: CommandRunner, name: string): Promise<string | undefined> {
  const out = (await runner.run(["ip", "-n", name, "-j", "link", "show", "lo"])).stdout.trim();
  const lo = out ? (JSON.parse(out) as Array<{ ifalias?: string }>)[0] : undefined;
  return lo?.ifalias;
}

/** Delete a namespace; already gone is success. */
export function deleteNetns(runner: CommandRunner, name: string): Promise<void> {
  return unlessGone(runner.run(["ip", "netns", "delete", name]));
}
