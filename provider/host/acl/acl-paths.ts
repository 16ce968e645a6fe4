import * as path from "node:path";

/** Where qemu-bridge-helper reads its ACL (Debian's CONFIG_QEMU_CONFDIR is /etc/qemu). */
export const ROOT_ACL_PATH = "/etc/qemu/bridge.conf";
/** The directory `ip netns exec` bind-mounts the namespace's copy over. */
export const QEMU_CONF_DIR = "/etc/qemu";

/**
 * The bridge.conf the helper reads in a context: `/etc/qemu/bridge.conf`, or inside a namespace
 * `/etc/netns/<netns>/qemu/bridge.conf` (`ip netns exec` bind-mounts `/etc/netns/<netns>/qemu` over `/etc/qemu`).
 */
export function defaultAclPath(netns?: string): string {
  return netns ? `/etc/netns/${netns}/qemu/bridge.conf` : ROOT_ACL_PATH;
}

/** The namespace whose `/etc/qemu` overlay holds this file, if any. */
export function netnsOfAclPath(confPath: string): string | undefined {
  return /^\/etc\/netns\/([^/]+)\/qemu\//.exec(path.posix.normalize(confPath))?.[1];
}

/**
 * The host path an `include` names when the helper runs in the context of `confPath`: inside a
 * namespace overlay, `/etc/qemu/x` is really `/etc/netns/<ns>/qemu/x`. Relative paths are resolved
 * by the helper against its working directory, which we cannot know: undefined.
 */
export function includeHostPath(includePath: string, confPath: string): string | undefined {
  if (!includePath.startsWith("/")) return undefined;
  const p = path.posix.normalize(includePath);
  const ns = netnsOfAclPath(confPath);
  if (ns && (p === QEMU_CONF_DIR || p.startsWith(QEMU_CONF_DIR + "/"))) return `/etc/netns/${ns}/qemu${p.slice(QEMU_CONF_DIR.length)}`;
  return p;
}
