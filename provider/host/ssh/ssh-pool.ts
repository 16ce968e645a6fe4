import type { HostTransport } from "../transport";
import type { SshTarget } from "../target";
import { resolveSshTarget, SshConnection, type SshConnectionOptions } from "./ssh-connection";
import { SshTransport, sshWhere, type SshTransportOptions } from "./ssh-transport";

/** The SSH transports of this process, one per machine (login user, host, port, and the jump host it is reached through). */
const transports = new Map<string, SshTransport>();
/** Their connections, jump hosts included: a jump host used by several targets is connected to once. */
const connections = new Map<string, { connection: SshConnection; verification: string }>();

/** Which machine a target is: the same login on the same host and port, through the same jump host. */
function machineKey(t: SshTarget): string {
  const { jumpHost, ...rest } = t;
  const r = resolveSshTarget(rest);
  return JSON.stringify([r.user, r.host, r.port, jumpHost ? machineKey(jumpHost) : null]);
}

/** How a target's host key is checked. */
function verificationOf(t: Omit<SshTarget, "jumpHost">): string {
  const r = resolveSshTarget(t);
  return JSON.stringify([r.hostKey ?? null, r.hostKey === undefined ? r.knownHostsPath : null]);
}

function connectionFor(t: SshTarget, options: SshConnectionOptions): SshConnection {
  const key = machineKey(t);
  const { jumpHost, ...rest } = t;
  const verification = verificationOf(rest);
  const known = connections.get(key);
  if (known) {
    // One connection per machine: a second resource must not get a connection verified another way than it asks.
    if (known.verification !== verification)
      throw new Error(
        `${sshWhere(t)}: resources give different host key settings (hostKey/knownHostsPath) for ${known.connection.target.user}@` +
          `${t.host}:${known.connection.target.port}; give every resource on one machine the same host.ssh settings`,
      );
    return known.connection;
  }
  const connection = new SshConnection(rest, sshWhere(t), options, jumpHost ? connectionFor(jumpHost, options) : undefined);
  connections.set(key, { connection, verification });
  return connection;
}

/**
 * The transport to a remote machine: the same one for the same machine (user, host, port, jump host) for the life of
 * the process — one SSH connection per machine, opened on first use. The first target's credentials and options are
 * the ones used; a target that asks for different host key verification is refused rather than silently served by a
 * connection verified otherwise.
 */
export function sshTransportFor(target: SshTarget, options: SshConnectionOptions & SshTransportOptions = {}): HostTransport {
  const connection = connectionFor(target, options);
  const key = machineKey(target);
  let t = transports.get(key);
  if (!t) {
    t = new SshTransport(connection, options);
    transports.set(key, t);
  }
  return t;
}

/** Close every SSH connection of this process (tests, and a process that wants to exit now rather than after their idle timeout). */
export async function closeSshTransports(): Promise<void> {
  const all = [...transports.values()];
  const conns = [...connections.values()];
  transports.clear();
  connections.clear();
  await Promise.all(all.map((t) => t.close()));
  await Promise.all(conns.map((c) => c.connection.close()));
}
