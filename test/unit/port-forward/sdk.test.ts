import * as pulumi from "@pulumi/pulumi";
import { portForwardProps } from "../../../sdk/port-forward";

const OUTPUTS = { name: undefined, rule: undefined, active: undefined, effectiveGuestAddress: undefined, created: undefined };

test("given a VM resource, the props carry its name, instanceId and host outputs", () => {
  const vm = { name: pulumi.output("web"), instanceId: pulumi.output("i-42"), host: pulumi.output({ netns: "lab" }) };
  const props = portForwardProps("ssh", { vm, hostPort: 2222, guestPort: 22 });
  expect(props.vm).toBe(vm.name);
  expect(props.vmInstanceId).toBe(vm.instanceId);
  expect(props.host).toBe(vm.host);
  expect(props).toMatchObject({ __resourceName: "ssh", hostPort: 2222, guestPort: 22, ...OUTPUTS });
});

test("explicit vmInstanceId and host win over the VM's", () => {
  const vm = { name: pulumi.output("web"), instanceId: pulumi.output("i-42"), host: pulumi.output({ netns: "lab" }) };
  const props = portForwardProps("ssh", { vm, vmInstanceId: "i-1", host: { stateDir: "/x" }, hostPort: 1, guestPort: 2 });
  expect(props).toMatchObject({ vmInstanceId: "i-1", host: { stateDir: "/x" } });
});

test("given a VM name, the props carry it as is", () => {
  expect(portForwardProps("dns", { vm: "db", protocol: "udp", hostPort: 5353, guestPort: 53 })).toEqual({
    __owner: expect.any(String),
    __resourceName: "dns",
    vm: "db",
    vmInstanceId: undefined,
    netdev: undefined,
    protocol: "udp",
    hostAddress: undefined,
    hostPort: 5353,
    guestAddress: undefined,
    guestPort: 53,
    adopt: undefined,
    host: undefined,
    ...OUTPUTS,
  });
});
