import type { IpLink } from "../../host/ip/ip-json";
import type { LinkSnapshot } from "../../host/snapshot/link-snapshot";

import { whereOf } from "../common/host-of";

export { whereOf };

/**
 * The port and bridge an attachment needs, or an error saying what is wrong and how to fix it:
 * the bridge must exist and be a bridge; the port must exist, not be a bridge or loopback, and not
 * be enslaved to another master (already on this bridge is fine: converge). Pure.
 */
export function requireTopology(
  snap: Pick<LinkSnapshot, "get">,
  want: { port: string; bridge: string },
  netns: string | undefined,
): { portLink: IpLink; bridgeLink: IpLink } {
  const where = whereOf(netns);
  const bridgeLink = snap.get(want.bridge);
  if (!bridgeLink)
    throw new Error(
      `bridge "${want.bridge}" does not exist ${where}; fix: create it with a Bridge resource and pass its \`name\` output as \`bridge\` (so Pulumi creates it first)`,
    );
  if (bridgeLink.linkinfo?.info_kind !== "bridge")
    throw new Error(
      `"${want.bridge}" ${where} is not a bridge (it is a ${bridgeLink.linkinfo?.info_kind ?? bridgeLink.link_type ?? "plain"} link); fix: set \`bridge\` to a Bridge resource's name`,
    );
  const portLink = snap.get(want.port);
  if (!portLink)
    throw new Error(`port "${want.port}" does not exist ${where}; fix: set \`port\` to an existing interface (see \`ip link show\`)`);
  if (portLink.linkinfo?.info_kind === "bridge")
    throw new Error(`port "${want.port}" ${where} is itself a bridge and cannot be enslaved to "${want.bridge}"; fix: set \`port\` to a physical interface`);
  if (portLink.link_type === "loopback")
    throw new Error(`port "${want.port}" ${where} is a loopback interface and cannot be enslaved; fix: set \`port\` to a physical interface`);
  if (portLink.master !== undefined && portLink.master !== want.bridge)
    throw new Error(
      `port "${want.port}" ${where} is already enslaved to "${portLink.master}"; fix: release it first (\`ip link set ${want.port} nomaster\`) or set \`bridge: "${portLink.master}"\``,
    );
  return { portLink, bridgeLink };
}
