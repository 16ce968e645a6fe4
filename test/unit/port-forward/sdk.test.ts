import * as pulumi from "@pulumi/pulumi";

type Registered = { type: string; name: string; inputs: Record<string, unknown> };
const registered: Registered[] = [];

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, instanceId: args.inputs.instanceId ?? "i-42" } };
      },
      call: () => ({}),
    },
    "proj",
    "stack",
    false,
  );
});

/** Resolve an Output in a unit test. */
function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

test("given a VM resource, PortForward passes its name, instanceId and host", async () => {
  const { PortForward } = await import("../../../sdk/port-forward");
  // A QemuVm-like resource (duck-typed: name, instanceId, host outputs).
  const vm = {
    name: pulumi.output("web"),
    instanceId: pulumi.output("i-42"),
    host: pulumi.output({ netns: "lab", stateDir: "/srv/lab" }),
  };
  const pf = new PortForward("ssh", { vm, hostPort: 2222, guestPort: 22 });
  await value(pf.urn);
  const r = registered.find((x) => x.name === "ssh")!;
  expect(r.type).toBe("pulumi-nodejs:dynamic/qemu-lab:PortForward");
  expect(r.inputs).toMatchObject({ __name: "ssh", vm: "web", vmInstanceId: "i-42", host: { netns: "lab", stateDir: "/srv/lab" }, hostPort: 2222, guestPort: 22 });
});

test("given a VM name, PortForward passes it and the explicit instance id and host", async () => {
  const { PortForward } = await import("../../../sdk/port-forward");
  const pf = new PortForward("dns", { vm: "db", vmInstanceId: "i-7", protocol: "udp", hostPort: 5353, guestPort: 53, host: { stateDir: "/x" } });
  await value(pf.urn);
  const r = registered.find((x) => x.name === "dns")!;
  expect(r.inputs).toMatchObject({ vm: "db", vmInstanceId: "i-7", protocol: "udp", host: { stateDir: "/x" } });
});
