import type { AccessDecision, CollectedAcl } from "./access";
import { describeRule } from "./access";
import { defaultAclPath } from "./acl-paths";
import { helperWarning, type HelperStatus } from "./helper-binary";
import type { AclAction } from "./owned-entries";

/** What the warnings are computed from (all already read from the host). */
export interface AclWarningFacts {
  action: AclAction;
  bridge: string;
  confPath: string;
  netns?: string;
  acl: CollectedAcl;
  decision: AccessDecision;
  helper: HelperStatus;
  /** 1-based line of our own rule in confPath (so it is not reported as someone else's). */
  ownLine?: number;
}

/** Warnings about an entry that is written but may not do what its owner expects (pure). */
export function aclWarnings(f: AclWarningFacts): string[] {
  const w: string[] = [];
  if (f.bridge === "all" && f.action === "allow")
    w.push("`allow all` lets every local user attach VMs to every bridge on this host through qemu-bridge-helper; prefer one entry per bridge");
  if (f.bridge === "all" && f.action === "deny") w.push("`deny all` denies every bridge in this file, overriding every allow (deny wins over allow)");
  if (f.action === "allow" && f.bridge !== "all") {
    const others = f.decision.denyBy;
    if (others.length)
      w.push(`\`allow ${f.bridge}\` has no effect: ${others.map(describeRule).join(", ")} ${others.length > 1 ? "override" : "overrides"} it (the helper lets deny win over allow)`);
  }
  const mine = (r: { file: string; line: number }) => r.file === f.confPath && r.line === f.ownLine;
  const sameAction = (f.action === "allow" ? f.decision.allowBy : f.decision.denyBy).filter((r) => !mine(r) && r.type === f.action);
  if (f.bridge !== "all" && sameAction.length)
    w.push(`also ${f.action === "allow" ? "allowed" : "denied"} by ${sameAction.map(describeRule).join(", ")}, which this resource does not manage: deleting it leaves that in place`);
  if (f.acl.fatal) w.push(`${f.acl.fatal}: every bridge is denied until that is fixed`);
  const h = helperWarning(f.helper);
  if (h) w.push(h);
  if (f.netns && f.confPath !== defaultAclPath(f.netns))
    w.push(`host.netns is "${f.netns}" but confPath is ${f.confPath}: a helper run in that namespace reads ${defaultAclPath(f.netns)} once /etc/netns/${f.netns}/qemu exists`);
  return w;
}
