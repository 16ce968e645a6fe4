/**
 * Upgrade path of the state file: a stack written by the previous release (the driver's own `version: 1` JSON)
 * runs unchanged under this one — nothing is replaced or updated — and the next write turns it into a Pulumi
 * checkpoint (deployment v3) with the same resources. A stack without secrets needs no passphrase.
 */
import * as fs from "node:fs";
import type { UntypedDeploymentV3 } from "../../../driver/checkpoint";
import { FilesStack, ObjectSpec, ops } from "./helpers";

describe("lifecycle driver: a state file of the previous release", () => {
  const stack = new FilesStack();
  const objects: ObjectSpec[] = [
    { name: "a", content: "A" },
    { name: "b", content: "B", contentFrom: "a", protect: true, retainOnDelete: true },
  ];
  const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
  beforeAll(() => delete process.env.PULUMI_CONFIG_PASSPHRASE); // no secrets, so none is needed
  afterAll(() => {
    if (saved !== undefined) process.env.PULUMI_CONFIG_PASSPHRASE = saved;
    stack.cleanup();
  });

  it("is read, run as a no-op, and rewritten as a checkpoint with the same resources", async () => {
    await stack.run(stack.driver(objects).up());
    const before = stack.state();
    // Exactly what the previous release's saveState wrote (driver/state-file.ts before the checkpoint format).
    const { version, project, stack: name, resources } = before;
    fs.writeFileSync(stack.stateFile, JSON.stringify({ version, project, stack: name, resources }, null, 2) + "\n");
    expect(stack.state().resources).toEqual(before.resources);

    const up = await stack.run(stack.driver(objects).up());
    expect(ops(up)).toEqual({ a: "same", b: "same" });
    const written = JSON.parse(fs.readFileSync(stack.stateFile, "utf8")) as UntypedDeploymentV3;
    expect(written.version).toBe(3);
    expect(written.deployment.secrets_providers).toBeUndefined(); // never had a secret: no salt was made
    const comparable = (rs: typeof resources) => rs.map(({ modified: _m, ...r }) => r);
    expect(comparable(stack.state().resources)).toEqual(comparable(before.resources));
  });

  it("a state file of another kind is refused with what it is", () => {
    fs.writeFileSync(stack.stateFile, JSON.stringify({ version: 2, checkpoint: {} }));
    expect(() => stack.state()).toThrow(/neither a Pulumi checkpoint \(deployment version 3\) nor a lifecycle-driver state file \(version 2\)/);
  });
});
