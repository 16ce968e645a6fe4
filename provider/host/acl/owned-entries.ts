import type { ConfFile } from "./conf-file";
import { parseHelperLine } from "./helper-parse";

/**
 * Our entries: a marker comment naming the resource, directly above the allow/deny line it owns.
 * Why a comment line above rather than a trailing comment: the helper skips any line whose first
 * non-space byte is `#`, but takes everything after the command as the bridge name, so
 * `allow br0 # owner` would name the bridge `br0 # owner` (or fail the file when ≥ 16 bytes).
 * The marker also records the bridge, so a hand edit that removes our line never makes us claim
 * the foreign line that slid under the marker.
 */

/** An ACL action. */
export type AclAction = "allow" | "deny";

const MARKER_RE = /^# pulumi-qemu-lab: BridgeAcl id=(\S+) bridge=(\S+)(?: owner=(\S+))?$/;

/** The marker comment for an entry; `owner` (the resource's label) lets a create killed before Pulumi recorded it be resumed. */
export function markerLine(id: string, bridge: string, owner?: string): string {
  return `# pulumi-qemu-lab: BridgeAcl id=${id} bridge=${bridge}${owner === undefined ? "" : ` owner=${owner}`}`;
}

/** The ACL line we write: `allow br0`, `deny all` (one space, no trailing text: exactly what the helper parses). */
export function aclLine(action: AclAction, bridge: string): string {
  return `${action} ${bridge}`;
}

/** One of our entries as found in a file. */
export interface OwnedEntry {
  /** Index of the marker line. */
  markerIndex: number;
  /** Bridge recorded in the marker. */
  bridge: string;
  /** The owned line (index, raw text, action as the helper reads it); absent when the line was removed by hand. */
  rule?: { index: number; text: string; action: AclAction };
}

/** Parse a marker line. */
export function parseMarker(line: string): { id: string; bridge: string; owner?: string } | undefined {
  const m = MARKER_RE.exec(line.replace(/\r$/, ""));
  return m ? { id: m[1]!, bridge: m[2]!, owner: m[3] } : undefined;
}

/** What the helper makes of a line, when it is an allow/deny for exactly `bridge` ("all" for allow/deny all). */
export function ruleFor(line: string, bridge: string): AclAction | undefined {
  const r = parseHelperLine(Buffer.from(line + "\n", "utf8").toString("latin1"), 0);
  if (!r || "message" in r) return undefined;
  if ((r.type === "allow" || r.type === "deny") && r.bridge === bridge) return r.type;
  if (r.type === "allow-all" && bridge === "all") return "allow";
  if (r.type === "deny-all" && bridge === "all") return "deny";
  return undefined;
}

/** Find the entry with this id (the first, if a hand copy duplicated it). */
export function findEntry(conf: ConfFile, id: string): OwnedEntry | undefined {
  for (let i = 0; i < conf.lines.length; i++) {
    const m = parseMarker(conf.lines[i]!);
    if (!m || m.id !== id) continue;
    const next = conf.lines[i + 1];
    const action = next === undefined ? undefined : ruleFor(next, m.bridge);
    return { markerIndex: i, bridge: m.bridge, rule: action ? { index: i + 1, text: next!, action } : undefined };
  }
  return undefined;
}

/** Every entry of ours by id (first occurrence wins, like {@link findEntry}), for reading many entries of one file. */
export function indexEntries(conf: ConfFile): Map<string, OwnedEntry> {
  const out = new Map<string, OwnedEntry>();
  for (let i = 0; i < conf.lines.length; i++) {
    const line = conf.lines[i]!;
    if (!line.startsWith("# pulumi-qemu-lab:")) continue; // cheap pre-filter before the regex
    const m = parseMarker(line);
    if (!m || out.has(m.id)) continue;
    const next = conf.lines[i + 1];
    const action = next === undefined ? undefined : ruleFor(next, m.bridge);
    out.set(m.id, { markerIndex: i, bridge: m.bridge, rule: action ? { index: i + 1, text: next!, action } : undefined });
  }
  return out;
}

/** Ids of all our entries in the file (for diagnostics and tests). */
export function ownedIds(conf: ConfFile): string[] {
  return conf.lines.map((l) => parseMarker(l)?.id).filter((x): x is string => x !== undefined);
}

/**
 * Ensure our entry exists with this action: rewrite our line in place, restore it under an orphaned
 * marker, or append marker + line at the end. Foreign lines are untouched.
 */
export function upsertEntry(conf: ConfFile, id: string, action: AclAction, bridge: string, owner?: string): ConfFile {
  const lines = [...conf.lines];
  const e = findEntry(conf, id);
  if (e && e.bridge === bridge) {
    if (e.rule) lines[e.rule.index] = aclLine(action, bridge);
    else lines.splice(e.markerIndex + 1, 0, aclLine(action, bridge));
    return { ...conf, lines };
  }
  if (e) lines.splice(e.markerIndex, e.rule ? 2 : 1); // same id, other bridge: ours, replace it
  lines.push(markerLine(id, bridge, owner), aclLine(action, bridge));
  return { ...conf, lines };
}

/**
 * Give an entry of `owner` for `bridge` (left by a create killed before Pulumi recorded it, or by a replacement of this
 * resource in progress) the id `id`: the create that follows takes it over instead of adding a second entry, and the
 * earlier id's delete then finds nothing. Unchanged when there is none. Pure.
 */
export function reclaimEntry(conf: ConfFile, id: string, bridge: string, owner: string): { conf: ConfFile; from?: string } {
  for (const [i, l] of conf.lines.entries()) {
    const m = parseMarker(l);
    if (m === undefined || m.owner !== owner || m.bridge !== bridge || m.id === id) continue;
    const lines = [...conf.lines];
    lines[i] = markerLine(id, bridge, owner);
    return { conf: { ...conf, lines }, from: m.id };
  }
  return { conf };
}

/** Give entry `id` back its earlier id `to` (undoing {@link reclaimEntry}). Pure. */
export function renameEntry(conf: ConfFile, id: string, to: string): ConfFile {
  const lines = conf.lines.map((l) => {
    const m = parseMarker(l);
    return m && m.id === id ? markerLine(to, m.bridge, m.owner) : l;
  });
  return { ...conf, lines };
}

/** Remove every entry with this id (marker and the line it owns); foreign lines are untouched. */
export function removeEntry(conf: ConfFile, id: string): ConfFile {
  let cur = conf;
  for (let e = findEntry(cur, id); e; e = findEntry(cur, id)) {
    const lines = [...cur.lines];
    lines.splice(e.markerIndex, e.rule ? 2 : 1);
    cur = { ...cur, lines };
  }
  return cur;
}
