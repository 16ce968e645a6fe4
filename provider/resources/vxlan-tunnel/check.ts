import { checkWithSchema } from "../common/check";
import type { CheckFailure, CheckResult } from "../common/handler";
import { isIpv4 } from "../../host/ip/ipv4";
import { vxlanTunnelInputsSchema, type VxlanTunnelInputs } from "./schema";

/** Failures involving two inputs: a remote that is this host, a device enslaved to itself. Pure. */
export function crossFieldFailures(news: Record<string, unknown>): CheckFailure[] {
  const out: CheckFailure[] = [];
  const { localAddress, remotes, name, bridge } = news;
  // Only for a valid address: an invalid one is reported by the schema, once.
  if (typeof localAddress === "string" && isIpv4(localAddress) && Array.isArray(remotes))
    remotes.forEach((r, i) => {
      if (r === localAddress)
        out.push({ property: `remotes[${i}]`, reason: `is localAddress (${localAddress}): a tunnel floods to the other hosts only` });
    });
  if (typeof name === "string" && name === bridge)
    out.push({ property: "bridge", reason: `must differ from name ("${name}"): the tunnel is a port of the bridge` });
  return out;
}

/** Validate VxlanTunnel inputs: every failure with its property path; no host access; unknowns pass. */
export function checkVxlanTunnel(news: Record<string, unknown>): CheckResult<VxlanTunnelInputs> {
  const r = checkWithSchema(vxlanTunnelInputsSchema(), news);
  return { inputs: r.inputs, failures: [...r.failures, ...crossFieldFailures(news)] };
}
