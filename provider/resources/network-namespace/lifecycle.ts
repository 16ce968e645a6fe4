import { machineSchema } from "../common/host-schema";
import type { ResourceContext, ResourceHandler } from "../common/handler";
import { checkWithSchema } from "../common/check";
import type { HostFiles } from "../../host/files/types";
import { isFailure } from "../../host/runner/command-error";
import { claimedBy, claimNetns, releaseNetnsClaim } from "../../host/netns/netns-claims";
import { addNetns, deleteNetns, listNetns, netnsLabel } from "../../host/netns/netns-ops";
import { ownerAlias } from "../common/owner";
import { diffNetworkNamespace } from "./diff";
import { networkNamespaceInputsSchema, type NetworkNamespaceInputs, type NetworkNamespaceState } from "./schema";

const KIND = "NetworkNamespace";

/**
 * `ip netns exec` config lives in /etc/netns/<name>/ (BridgeAcl writes qemu/bridge.conf there). `ip netns delete`
 * leaves it; remove what is left only when it holds nothing: an empty bridge.conf and empty directories.
 */
async function removeEmptyNetnsEtc(files: HostFiles, name: string): Promise<void> {
  const dir = `/etc/netns/${name}`;
  const conf = `${dir}/qemu/bridge.conf`;
  const text = await files.readText(conf);
  if (text !== undefined && text.trim() === "") await files.remove(conf);
  for (const d of [`${dir}/qemu`, dir]) {
    if (!(await files.isEmptyDir?.(d))) return;
    await files.remove(d);
  }
}

/** The machine's root namespace (where `ip netns` runs). */
function machine(ctx: ResourceContext, inputs: Pick<NetworkNamespaceInputs, "host"> | undefined) {
  // Why parse: read and delete get `host` from the recorded state, which may have been edited by hand.
  return ctx.hosts.hostFor({ ssh: machineSchema().parse(inputs?.host ?? {}).ssh });
}

/** NetworkNamespace: ensure, verify, and tear down only what we made. */
export const networkNamespaceHandler: ResourceHandler<NetworkNamespaceInputs, NetworkNamespaceState> = {
  kind: KIND,

  check: (_olds, news) => checkWithSchema(networkNamespaceInputsSchema(), news),

  diff: (_id, olds, news) => diffNetworkNamespace(olds, news),

  async create(inputs, ctx) {
    const { runner, files } = machine(ctx, inputs);
    const existing = await listNetns(runner);
    const label = ctx.owner === undefined ? undefined : ownerAlias(ctx.owner);
    // Made by a create of this resource that was killed before Pulumi recorded it (labelled, or only claimed): ours.
    if (existing.has(inputs.name) && ctx.owner !== undefined && label !== undefined) {
      const labelled = (await netnsLabel(runner, inputs.name).catch(() => undefined)) === label;
      if (labelled || (await claimedBy(files, inputs.name, ctx.owner))) {
        if (!labelled) await runner.run(["ip", "-n", inputs.name, "link", "set", "lo", "up", "alias", label]);
        await releaseNetnsClaim(files, inputs.name);
        return { id: inputs.name, outs: { ...inputs, created: true } };
      }
    }
    if (existing.has(inputs.name)) {
      if (!inputs.adopt)
        throw new Error(`network namespace "${inputs.name}" already exists; set \`adopt: true\` to manage it, or choose another name`);
      await runner.run(["ip", "-n", inputs.name, "link", "set", "lo", "up"]);
      return { id: inputs.name, outs: { ...inputs, created: false } };
    }
    if (ctx.owner !== undefined) await claimNetns(files, inputs.name, ctx.owner);
    try {
      await addNetns(runner, inputs.name, label); // undoes its own partial work, never a namespace it did not make
    } catch (e) {
      if (isFailure(e, "exists"))
        throw new Error(`network namespace "${inputs.name}" was created meanwhile by someone else; set \`adopt: true\` to manage it, or choose another name`, { cause: e });
      throw e;
    } finally {
      await releaseNetnsClaim(files, inputs.name);
    }
    return { id: inputs.name, outs: { ...inputs, created: true } };
  },

  async read(id, olds, ctx) {
    const existing = await listNetns(machine(ctx, olds).runner);
    if (!existing.has(id)) return undefined;
    return { id, outs: { ...olds, name: id } };
  },

  async update(_id, olds, news) {
    return { ...news, created: olds.created };
  },

  async delete(id, olds, ctx) {
    if (olds.created === false) return; // adopted: not ours to remove
    await deleteNetns(machine(ctx, olds).runner, id);
    await removeEmptyNetnsEtc(machine(ctx, olds).files, id);
  },
};
