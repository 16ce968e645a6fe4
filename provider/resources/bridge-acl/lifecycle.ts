import { randomBytes } from "node:crypto";
import type { HostFiles } from "../../host/files/types";
import { collectAcl, decideAccess } from "../../host/acl/access";
import { netnsOfAclPath, QEMU_CONF_DIR } from "../../host/acl/acl-paths";
import { aclWarnings } from "../../host/acl/acl-warnings";
import { asAclFile, parseConf, type ConfFile } from "../../host/acl/conf-file";
import { editConf } from "../../host/acl/conf-writer";
import { inspectHelper } from "../../host/acl/helper-binary";
import { indexEntries, reclaimEntry, removeEntry, renameEntry, upsertEntry } from "../../host/acl/owned-entries";
import { memoByText } from "../../host/acl/text-memo";
import { sharedReadText } from "../../host/acl/shared-read";
import { checkWithSchema } from "../common/check";
import type { ResourceContext, ResourceHandler } from "../common/handler";
import { diffBridgeAcl, resolveConfPath } from "./diff";
import { hostOf } from "../common/host-of";
import { bridgeAclInputsSchema, type BridgeAclInputs, type BridgeAclState } from "./schema";

const KIND = "BridgeAcl";

// Parsed once per distinct file text: a refresh of many entries in one file shares it.
const entriesOf = memoByText((text) => indexEntries(parseConf(text)));

function filesOf(ctx: ResourceContext, inputs: Pick<BridgeAclInputs, "host">): HostFiles {
  return hostOf(ctx, inputs.host).files; // validated again: read and delete pass the recorded host
}

/** A namespace overlay needs /etc/qemu to exist as its mount point, or `ip netns exec` complains on every call. */
async function ensureOverlayMountPoint(files: HostFiles, confPath: string): Promise<void> {
  if (netnsOfAclPath(confPath) !== undefined) await files.ensureDir(QEMU_CONF_DIR, 0o755);
}

/**
 * Re-read the file and describe our entry as it is; undefined when the entry is gone (file
 * missing, marker removed, or its line removed by hand).
 */
async function observe(files: HostFiles, id: string, base: Omit<BridgeAclState, "line" | "warnings" | "action">): Promise<BridgeAclState | undefined> {
  // Shared with concurrent readers; editConf drops in-flight reads when it writes, so this never predates our write.
  const text = await sharedReadText(files, base.confPath);
  if (text === undefined) return undefined;
  const entry = entriesOf(text).get(id);
  if (!entry) return undefined;
  if (!entry.rule) {
    // Our marker is still there but the line under it was removed by hand: drift, not gone, so the next up puts the
    // line back under the same marker (reporting it gone would orphan the marker forever).
    const warning = `the ${"`"}allow/deny ${entry.bridge}${"`"} line under our marker in ${base.confPath} was removed by hand; the next up restores it`;
    return { ...base, bridge: entry.bridge, action: "" as BridgeAclState["action"], line: "", warnings: [warning] };
  }
  const [acl, helper] = await Promise.all([collectAcl(files, base.confPath, text), inspectHelper(files)]);
  const observed = entry.rule.action;
  const warnings = aclWarnings({
    action: observed,
    bridge: entry.bridge,
    confPath: base.confPath,
    netns: base.host?.netns,
    acl,
    decision: decideAccess(acl.rules, entry.bridge),
    helper,
    ownLine: entry.rule.index + 1,
  });
  return { ...base, bridge: entry.bridge, action: observed, line: entry.rule.text, warnings };
}

/** BridgeAcl: one marked allow/deny line in qemu-bridge-helper's bridge.conf; foreign lines are never touched. */
export const bridgeAclHandler: ResourceHandler<BridgeAclInputs, BridgeAclState> = {
  kind: KIND,

  check: (_olds, news) => checkWithSchema(bridgeAclInputsSchema(), news),

  diff: (_id, olds, news) => diffBridgeAcl(olds, news),

  async create(inputs, ctx) {
    const files = filesOf(ctx, inputs);
    const confPath = resolveConfPath(inputs);
    // A fresh id per create: a replacement's entry never shares a marker with the one it replaces.
    const id = `${inputs.name}.${randomBytes(3).toString("hex")}`;
    await ensureOverlayMountPoint(files, confPath);
    const owner = ctx.owner;
    let reclaimedFrom: string | undefined; // the id of an entry of ours this create took over (a killed create's, or a replaced one's)
    await editConf(files, confPath, (c) => {
      const conf = asAclFile(c, confPath);
      const r = owner === undefined ? { conf } : reclaimEntry(conf, id, inputs.bridge, owner);
      reclaimedFrom = r.from;
      return upsertEntry(r.conf, id, inputs.action, inputs.bridge, owner);
    });
    try {
      const outs = await observe(files, id, { name: inputs.name, bridge: inputs.bridge, confPath, host: inputs.host });
      if (!outs) throw new Error(`our entry was not found in ${confPath} right after writing it (is something else rewriting the file?)`);
      return { id, outs };
    } catch (e) {
      // Undo our own write: an entry taken over gets its old id back (its resource may still be in the state).
      const undo = reclaimedFrom === undefined ? (c: ConfFile) => removeEntry(c, id) : (c: ConfFile) => renameEntry(c, id, reclaimedFrom!);
      await editConf(files, confPath, undo).catch(() => undefined);
      throw e;
    }
  },

  async read(id, olds, ctx) {
    const files = filesOf(ctx, olds);
    const r = await observe(files, id, { name: olds.name, bridge: olds.bridge, confPath: olds.confPath, host: olds.host ?? {} });
    return r ? { id, outs: r } : undefined;
  },

  async update(id, olds, news, ctx) {
    const files = filesOf(ctx, news);
    const confPath = olds.confPath; // a different file is a replacement (see diff)
    await ensureOverlayMountPoint(files, confPath);
    await editConf(files, confPath, (c) => upsertEntry(asAclFile(c, confPath), id, news.action, news.bridge, ctx.owner));
    const outs = await observe(files, id, { name: news.name, bridge: news.bridge, confPath, host: news.host });
    if (!outs) throw new Error(`our entry was not found in ${confPath} right after writing it (is something else rewriting the file?)`);
    return outs;
  },

  async delete(id, olds, ctx) {
    const files = filesOf(ctx, olds);
    // Gone already (file or entry): success, and no lock/mkdir that would recreate a removed directory.
    const text = await files.readText(olds.confPath);
    if (text === undefined || !entriesOf(text).has(id)) return; // (an orphaned marker of ours is still removed below)
    await editConf(files, olds.confPath, (c) => removeEntry(c, id));
  },
};
