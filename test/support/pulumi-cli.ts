/**
 * The real Pulumi CLI for tests: built (or found cached) by scripts/install-pulumi-cli.sh, which links its
 * folder at .cache/pulumi-cli. Suites that run under both engines iterate {@link DRIVER_KINDS}.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DriverKind } from "../../driver";

const LINK = path.resolve(__dirname, "..", "..", ".cache", "pulumi-cli", "bin");

/** The folder holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`. Throws with the fix. */
export function pulumiCliBin(): string {
  const bin = process.env.QEMU_LAB_PULUMI_BIN ?? LINK;
  if (!fs.existsSync(path.join(bin, "pulumi"))) {
    throw new Error(`no Pulumi CLI at ${bin}: run \`bash scripts/install-pulumi-cli.sh\` (npm test does it first)`);
  }
  return bin;
}

/** Both engines: every end-to-end suite over an example runs under each. */
export const DRIVER_KINDS: DriverKind[] = ["driver", "pulumi-cli"];

/** The environment for running the real `pulumi` with a local file backend in `work` (`backend/`, `home/`). */
export function pulumiFileBackendEnv(work: string, passphrase: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${pulumiCliBin()}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${path.join(work, "backend")}`,
    PULUMI_HOME: path.join(work, "home"),
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "1",
  };
}
