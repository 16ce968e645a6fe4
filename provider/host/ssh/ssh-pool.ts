import type { HostTransport } from "../transport";
import type { SshTarget } from "../target";

/** Placeholder until the SSH transport lands: remote hosts are refused. */
export function sshTransportFor(ssh: SshTarget): HostTransport {
  throw new Error(`remote host ${ssh.host}: SSH transport not available yet`);
}
