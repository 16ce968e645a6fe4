/**
 * How to reach a remote machine over SSH. Absent on a {@link HostTarget}: this machine.
 * Checked by the resource schemas (`host.ssh`) before it gets here.
 */
export interface SshTarget {
  /** Hostname or IP address of the SSH server. */
  host: string;
  /** SSH port (default 22). */
  port?: number;
  /** Login user (default root: the provider changes host networking). */
  user?: string;
  /** Absolute path of a private key file on the machine running the provider. */
  privateKeyPath?: string;
  /** Use the SSH agent at `$SSH_AUTH_SOCK` (true), or the agent socket at this absolute path. */
  agent?: boolean | string;
  /** Absolute path of a known_hosts file (default `~/.ssh/known_hosts`). */
  knownHostsPath?: string;
  /** The host key pinned in `ssh-ed25519 AAAA…` form; when given, known_hosts is not consulted. */
  hostKey?: string;
  /** A host to connect through first (like `ssh -J`), with its own key verification. */
  jumpHost?: Omit<SshTarget, "jumpHost">;
}

/** Where a resource lives: which machine (this one, or one over SSH), which network namespace, where runtime state is kept. */
export interface HostTarget {
  /** Network namespace name; absent means the host's root namespace. */
  netns?: string;
  /** Directory for per-resource runtime state (VM pidfiles, sockets, logs). */
  stateDir?: string;
  /** The machine, over SSH; absent means this machine. */
  ssh?: SshTarget;
}

/** Default runtime state directory. */
export const DEFAULT_STATE_DIR = "/var/lib/qemu-lab";
