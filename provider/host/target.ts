/** Where a resource lives: which host (today: this machine), which network namespace, where runtime state is kept. */
export interface HostTarget {
  /** Network namespace name; absent means the host's root namespace. */
  netns?: string;
  /** Directory for per-resource runtime state (VM pidfiles, sockets, logs). */
  stateDir?: string;
}

/** Default runtime state directory. */
export const DEFAULT_STATE_DIR = "/var/lib/qemu-lab";
