/**
 * The QemuVm SDK class keeps cloud-init user data secret: the argument is sent as a Pulumi secret (so the engine
 * encrypts it in the state and masks it in diffs), and the output is a secret too.
 */
import * as pulumi from "@pulumi/pulumi";
import { QemuVm } from "../../../sdk";

describe("QemuVm SDK: cloudInit is a secret", () => {
  const registered: Record<string, Record<string, unknown>> = {};
  beforeAll(() =>
    pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          registered[a.name] = a.inputs;
          return { id: `${a.name}-id`, state: { ...a.inputs, status: "running", ipAddresses: [["10.0.2.15"]] } };
        },
        call: () => ({}),
      },
      "proj",
      "dev",
    ),
  );

  test("sent to the engine as a secret (the secret signature), the output is a secret, other outputs are not", async () => {
    const vm = new QemuVm("vm", { nics: [{ type: "user" }], cloudInit: { userData: "#cloud-config\npassword: hunter2\n" } }, { additionalSecretOutputs: ["macs"] });
    expect(await pulumi.isSecret(vm.cloudInit)).toBe(true);
    expect(await pulumi.isSecret(vm.status)).toBe(false);
    const ips = await new Promise((r) => vm.ipAddresses.apply(r));
    expect(ips).toEqual([["10.0.2.15"]]);
    expect(registered.vm!.cloudInit).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: { userData: "#cloud-config\npassword: hunter2\n" } });
  });

  test("without cloudInit nothing is wrapped", async () => {
    new QemuVm("plain", { nics: [] });
    await new Promise((r) => setTimeout(r, 50));
    expect(registered.plain).not.toHaveProperty("cloudInit", expect.anything());
  });
});
