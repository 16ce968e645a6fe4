/**
 * `#cloud-config` user data checked with Debian's `cloud-init schema` before a VM boots with it, where the host has
 * cloud-init: a typo fails the create in a second instead of being ignored by the guest after a slow boot. User data
 * is a secret, so what the tool prints (it quotes the values) is reduced to the keys it names.
 */
import type { Host } from "../host";
import { isFailure } from "../runner/command-error";

/** How long one schema check may take (python start + the schema: about a second). */
export const CLOUD_INIT_SCHEMA_TIMEOUT_MS = 30_000;

/** True when the user data is cloud-config (cloud-init's first-line marker); shell scripts and others are not checked. */
export function isCloudConfig(userData: string): boolean {
  return /^#cloud-config[ \t]*(\r?\n|$)/.test(userData);
}

/** The top-level keys of a cloud-config document, or undefined when it does not parse as a YAML mapping. Pure. */
export function topLevelKeys(userData: string): Set<string> | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no types
    const doc = (require("js-yaml") as { load(text: string): unknown }).load(userData);
    return doc !== null && typeof doc === "object" && !Array.isArray(doc) ? new Set(Object.keys(doc)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The key paths `cloud-init schema` complains about (`packages`, `users.0`), keeping only those under a top-level key
 * the document really has: a "key" found inside a quoted value is dropped, so no part of a value is ever repeated.
 * Pure.
 */
export function schemaErrorKeys(output: string, keys: ReadonlySet<string>): string[] {
  const line = /Cloud config schema errors: (.*)/.exec(output)?.[1] ?? "";
  const found: string[] = [];
  for (const m of line.matchAll(/(?:^|, )([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*): /g)) {
    const path = m[1]!;
    if (keys.has(path.split(".")[0]!) && !found.includes(path)) found.push(path);
  }
  return found;
}

/**
 * Checks cloud-config user data with `cloud-init schema --config-file <file>` (the file already staged for the seed).
 * No cloud-init on the host: nothing to check with, so it passes. Throws naming only the keys at fault.
 */
export async function checkCloudConfig(host: Host, userData: string, file: string): Promise<void> {
  if (!isCloudConfig(userData)) return;
  const keys = topLevelKeys(userData);
  if (keys === undefined)
    throw new Error("cloudInit.userData starts with #cloud-config but is not a YAML mapping (its text is not shown: user data is secret)");
  let result;
  try {
    result = await host.runner.run(["cloud-init", "schema", "--config-file", file], { timeoutMs: CLOUD_INIT_SCHEMA_TIMEOUT_MS, okExitCodes: [0, 1] });
  } catch (e) {
    if (isFailure(e, "missing-command")) return; // no cloud-init on this host
    throw new Error("checking cloudInit.userData with `cloud-init schema` failed (its output is not shown: it may quote the user data)");
  }
  if (result.exitCode === 0) return;
  const bad = schemaErrorKeys(`${result.stdout}\n${result.stderr}`, keys);
  throw new Error(
    `cloudInit.userData is not valid cloud-config (\`cloud-init schema\`): ${bad.length ? `check ${bad.map((k) => `\`${k}\``).join(", ")}` : "see `cloud-init schema --config-file <your user data>`"}. ` +
      "The values are not shown: user data is secret; run `cloud-init schema --config-file` on it to see them.",
  );
}
