import type * as pulumi from "@pulumi/pulumi";
import { HostRegistry } from "../../provider/host/host-registry";
import type { CommandRunner } from "../../provider/host/runner/types";
import { ExecaRunner } from "../../provider/host/runner/execa-runner";
import type { ResourceContext } from "../../provider/resources/common/handler";

/** A fresh context (own host registry) so tests do not share snapshots with each other. */
export function testContext(runner: CommandRunner = new ExecaRunner()): ResourceContext {
  return { hosts: new HostRegistry(runner) };
}

/**
 * Drive a dynamic provider the way the engine does for create: check, then create with the checked inputs.
 * Throws with the check failures when there are any.
 */
export async function checkAndCreate(p: pulumi.dynamic.ResourceProvider, news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const checked = await p.check!(olds, news);
  if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  const created = await p.create(checked.inputs);
  return { inputs: checked.inputs, id: created.id, outs: created.outs as Record<string, any> };
}

/** check + diff + update as the engine does for an update; returns the diff and new outputs (undefined when no change). */
export async function checkAndUpdate(p: pulumi.dynamic.ResourceProvider, id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
  const checked = await p.check!(olds, news);
  if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  const diff = await p.diff!(id, olds, checked.inputs);
  if (!diff.changes) return { diff, outs: undefined };
  if (diff.replaces?.length) return { diff, outs: undefined };
  const r = await p.update!(id, olds, checked.inputs);
  return { diff, outs: r.outs as Record<string, any> };
}
