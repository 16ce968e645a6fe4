/** The secrets fixture program shared by the state tests (test/pulumi/driver/state-*.test.ts). */
import * as path from "node:path";

/** An inline no-op dynamic provider with a secret input, a secret config value and secret stack outputs. */
export const SECRETS_PROGRAM = path.join(__dirname, "fixtures", "secrets-program");
/** The literal secret in the fixture program (`pulumi.secret(...)`). */
export const PASSWORD = "hunter2-c0ffee-5ecret";
