import { checkWithSchema } from "../common/check";
import type { CheckFailure, CheckResult } from "../common/handler";
import { containsUnknown } from "../common/unknown";
import { vethPairInputsSchema, type VethPairInputs } from "./schema";

/** The namespace the peer ends up in, as a comparable key ("" = the root namespace). Pure. */
export function peerNamespaceOf(inputs: { peerNetns?: unknown; host?: unknown }): unknown {
  if (inputs.peerNetns !== undefined) return inputs.peerNetns;
  const host = inputs.host;
  return (host && typeof host === "object" ? (host as { netns?: unknown }).netns : undefined) ?? "";
}

/** The namespace `name` lives in ("" = root). Pure. */
export function endNamespaceOf(inputs: { host?: unknown }): unknown {
  const host = inputs.host;
  return (host && typeof host === "object" ? (host as { netns?: unknown }).netns : undefined) ?? "";
}

/** Failures involving two inputs: both ends in one namespace cannot share a name. */
export function crossFieldFailures(news: Record<string, unknown>): CheckFailure[] {
  if (containsUnknown([news.name, news.peerName, news.peerNetns, news.host])) return [];
  if (typeof news.name !== "string" || news.name !== news.peerName) return [];
  if (peerNamespaceOf(news) !== endNamespaceOf(news)) return [];
  return [
    {
      property: "peerName",
      reason: `must differ from name ("${news.name}"): both ends are in the same network namespace; choose another peerName or set peerNetns`,
    },
  ];
}

/** Validate VethPair inputs: every failure with its property path; no host access; unknowns pass. */
export function checkVethPair(news: Record<string, unknown>): CheckResult<VethPairInputs> {
  const r = checkWithSchema(vethPairInputsSchema(), news);
  return { inputs: r.inputs, failures: [...r.failures, ...crossFieldFailures(news)] };
}
