import type { IpLink } from "../../host/ip/ip-json";

/** The ownership label a link made for `owner` (`project/stack/name`) carries in its alias (`ip -d link` shows it). */
export function ownerAlias(owner: string): string {
  return `pulumi-qemu-lab:${owner}`;
}

/**
 * True when `link` carries this resource's own label: it was made by a create of this resource that was killed
 * before Pulumi recorded it, so the next create resumes it instead of refusing it.
 */
export function labelledFor(link: IpLink, owner: string | undefined): boolean {
  return owner !== undefined && link.ifalias === ownerAlias(owner);
}
