import { createHash } from "node:crypto";
import type { IpLink } from "../../host/ip/ip-json";

/** The ownership label a link made for `owner` (`project/stack/name`) carries in its alias (`ip -d link` shows it). */
export function ownerAlias(owner: string): string {
  return `pulumi-qemu-lab:${owner}`;
}

/**
 * The link group a link carries from `ip link add` until its alias is written. Why: the kernel ignores an alias on
 * add, but keeps a group, so a create killed between the two still leaves a mark of its owner. 1..2^31-1 (0 is
 * "default"); reset to 0 in the batch that writes the alias. Pure.
 */
export function ownerGroup(owner: string): number {
  return 1 + (createHash("sha256").update(`qemu-lab-group:${owner}`).digest().readUInt32BE(0) % 0x7ffffffe);
}

/** A link's group as `ip -j` reports it: 0 for "default"; a named group (/etc/iproute2/group) is not ours: undefined. Pure. */
export function groupOf(link: IpLink): number | undefined {
  const g = link.group;
  if (g === undefined || g === "default") return 0;
  if (typeof g === "number") return g;
  return typeof g === "string" && /^\d+$/.test(g) ? Number(g) : undefined; // ip -j prints a group without a name as "123"
}

/**
 * True when `link` carries this resource's own label: it was made by a create of this resource that was killed
 * before Pulumi recorded it, so the next create resumes it instead of refusing it. The label is the alias, or, for a
 * create killed before the alias was written, the owner's link group on a link with no alias.
 */
export function labelledFor(link: IpLink, owner: string | undefined): boolean {
  if (owner === undefined) return false;
  return link.ifalias === ownerAlias(owner) || (!link.ifalias && groupOf(link) === ownerGroup(owner));
}
