/**
 * The QemuVm SDK class keeps cloud-init user data secret: the argument is sent as a Pulumi secret (so the engine
 * encrypts it in the state and masks it in diffs), and the register request asks the engine to treat the `cloudInit`
 * output as a secret too (Pulumi's mocks ignore additionalSecretOutputs, so the request itself is asserted).
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { QemuVm } from "../../../sdk";

interface RegisterRequest {
  getName(): string;
  getAdditionalsecretoutputsList(): string[];
}

describe("QemuVm SDK: cloudInit is a secret", () => {
  const registered: Record<string, Record<string, unknown>> = {};
  const secretOutputs: Record<string, string[]> = {};
  beforeAll(async () => {
    const register = MockMonitor.prototype.registerResource;
    jest.spyOn(MockMonitor.prototype, "registerResource").mockImplementation(function (this: MockMonitor, req: RegisterRequest, cb: unknown) {
      secretOutputs[req.getName()] = req.getAdditionalsecretoutputsList();
      return register.call(this, req, cb as never);
    } as never);
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          registered[a.name] = a.inputs;
          // Plain state: what the engine returns before it applies additionalSecretOutputs.
          return { id: `${a.name}-id`, state: { name: a.name, cloudInit: { userData: "plain" }, status: "running", ipAddresses: [["10.0.2.15"]] } };
        },
        call: () => ({}),
      },
      "proj",
      "dev",
    );
  });
  afterAll(() => jest.restoreAllMocks());

  test("sent to the engine as a secret (the secret signature); cloudInit and the user's own are secret outputs", async () => {
    const vm = new QemuVm("vm", { nics: [{ type: "user" }], cloudInit: { userData: "#cloud-config\npassword: hunter2\n" } }, { additionalSecretOutputs: ["macs"] });
    const ips = await new Promise((r) => vm.ipAddresses.apply(r));
    expect(ips).toEqual([["10.0.2.15"]]);
    expect(registered.vm!.cloudInit).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: { userData: "#cloud-config\npassword: hunter2\n" } });
    expect(secretOutputs.vm).toEqual(["macs", "cloudInit"]);
  });

  test("without cloudInit nothing is wrapped, and cloudInit is still a secret output", async () => {
    const vm = new QemuVm("plain", { nics: [] });
    await new Promise((r) => vm.status.apply(r));
    expect(registered.plain).not.toHaveProperty("cloudInit", expect.anything());
    expect(secretOutputs.plain).toEqual(["cloudInit"]);
  });
});
