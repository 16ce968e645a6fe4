import * as path from "node:path";
import { SAFE_NAME } from "../safe-name";
import { DEFAULT_STATE_DIR } from "../target";

/** Where a DhcpServer's files live: `<stateDir>/dhcp/<name>/`. */
export interface DhcpPaths {
  dir: string;
  /** Our own dnsmasq configuration (`--conf-file=`; /etc/dnsmasq.conf is never read). */
  confFile: string;
  pidFile: string;
  /** dnsmasq's lease database (`dhcp-leasefile`). */
  leaseFile: string;
  /** Static leases, `mac,ip[,hostname]` per line (`dhcp-hostsfile`, re-read on SIGHUP). */
  hostsFile: string;
  /** Static leases' names for DNS, `ip hostname` per line (`addn-hosts`, re-read on SIGHUP). */
  namesFile: string;
  /** dnsmasq's log (`log-facility`). */
  logFile: string;
}

/** `<stateDir>/dhcp`: every DhcpServer's directory is in here. Pure. */
export function dhcpRoot(stateDir: string | undefined): string {
  return path.join(stateDir ?? DEFAULT_STATE_DIR, "dhcp");
}

/**
 * The file layout of DhcpServer `name` under `stateDir` (default {@link DEFAULT_STATE_DIR}). Pure. Throws on a name or
 * stateDir that could escape (check refuses them; this guards values read back from a state edited by hand).
 */
export function dhcpPaths(stateDir: string | undefined, name: string): DhcpPaths {
  if (!SAFE_NAME.test(name))
    throw new Error(`invalid DhcpServer name ${JSON.stringify(name)}: the recorded state was edited or is corrupt; fix the state (pulumi state edit) or delete the resource from it`);
  if (stateDir !== undefined && (!stateDir.startsWith("/") || stateDir.split("/").includes("..")))
    throw new Error(`invalid stateDir ${JSON.stringify(stateDir)}: must be an absolute path without '..'; the recorded state was edited or is corrupt`);
  const dir = path.join(dhcpRoot(stateDir), name);
  return {
    dir,
    confFile: path.join(dir, "dnsmasq.conf"),
    pidFile: path.join(dir, "dnsmasq.pid"),
    leaseFile: path.join(dir, "leases"),
    hostsFile: path.join(dir, "hosts"),
    namesFile: path.join(dir, "names"),
    logFile: path.join(dir, "dnsmasq.log"),
  };
}
