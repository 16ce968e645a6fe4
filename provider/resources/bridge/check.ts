import { parseCidr } from "../../host/ip/cidr-list";
import { checkWithSchema } from "../common/check";
import type { CheckFailure, CheckResult } from "../common/handler";
import { containsUnknown } from "../common/unknown";
import { bridgeInputsSchema, defaultBridgeMac, IPV6_MIN_MTU, MTU_MAX, MTU_MIN, type BridgeInputs } from "./schema";

/**
 * Failures that involve two inputs. Run on the raw inputs, next to the schema, so they are
 * reported together with every other failure (zod skips object refinements once a field fails).
 */
export function crossFieldFailures(news: Record<string, unknown>): CheckFailure[] {
  const { mtu, addresses } = news;
  if (typeof mtu !== "number" || !Number.isInteger(mtu) || mtu < MTU_MIN || mtu > MTU_MAX) return [];
  if (mtu >= IPV6_MIN_MTU || !Array.isArray(addresses)) return [];
  const v6 = addresses.findIndex((a) => typeof a === "string" && (parseCidr(a) as { family?: number }).family === 6);
  if (v6 < 0) return [];
  return [
    {
      property: "mtu",
      reason: `must be at least ${IPV6_MIN_MTU} because addresses[${v6}] is IPv6: the kernel disables IPv6 on links with a smaller MTU`,
    },
  ];
}

/** Validate Bridge inputs: every failure with its property path; no host access; unknowns pass. */
export function checkBridge(news: Record<string, unknown>): CheckResult<BridgeInputs> {
  // A bridge we create gets a stable MAC unless one is given; an adopted bridge keeps its own unless one is given.
  if (news.macAddress === undefined && news.adopt !== true && typeof news.name === "string" && !containsUnknown(news.name))
    news = { ...news, macAddress: defaultBridgeMac(news.name) };
  const r = checkWithSchema(bridgeInputsSchema(), news);
  return { inputs: r.inputs, failures: [...r.failures, ...crossFieldFailures(news)] };
}
