import { Host, type HostOptions } from "./host";
import type { HostTarget, SshTarget } from "./target";
import type { CommandRunner } from "./runner/types";
import type { HostFiles } from "./files/types";
import type { HostTransport } from "./transport";
import { LocalTransport } from "./local-transport";

/** Makes (or reuses) the transport to a remote machine: one SSH connection per machine per process. */
export type RemoteTransports = (ssh: SshTarget) => HostTransport;

/** The SSH transports of this process, loaded on first use (a lab on this machine alone never loads ssh2). */
function defaultRemote(ssh: SshTarget): HostTransport {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only remote labs pay for ssh2
  return (require("./ssh/ssh-pool") as typeof import("./ssh/ssh-pool")).sshTransportFor(ssh);
}

/**
 * Hands out one Host per network context, so every resource in a provider process shares its
 * snapshot and write batches. Tests make their own registry with a fake runner.
 */
export class HostRegistry {
  private readonly hosts = new Map<string, Host>();
  /** The first Host made per machine and namespace: later ones share its snapshot and write batches. */
  private readonly byNetns = new Map<string, Host>();
  private readonly local: HostTransport;
  constructor(
    runner?: CommandRunner,
    files?: HostFiles,
    private readonly options: HostOptions = {},
    private readonly remote: RemoteTransports = defaultRemote,
  ) {
    this.local = new LocalTransport(runner, files);
  }

  hostFor(target: HostTarget = {}): Host {
    const transport = target.ssh ? this.remote(target.ssh) : this.local;
    const netKey = JSON.stringify([transport.id, target.netns ?? ""]);
    const key = JSON.stringify([transport.id, target.netns ?? "", target.stateDir ?? ""]);
    let h = this.hosts.get(key);
    if (!h) {
      h = new Host(target, transport, this.options, this.byNetns.get(netKey));
      this.hosts.set(key, h);
      if (!this.byNetns.has(netKey)) this.byNetns.set(netKey, h);
    }
    return h;
  }
}
