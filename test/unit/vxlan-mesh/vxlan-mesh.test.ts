/**
 * VxlanMesh under Pulumi's mocks: one VxlanTunnel per member, on the member's host and bridge, with the other members'
 * addresses as remotes (outputs resolved too), the mesh's VNI, port and MTU; member names are checked.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkMembers, VxlanMesh } from "../../../sdk/vxlan-mesh";

const registered: Record<string, { type: string; inputs: Record<string, any> }> = {};

beforeAll(() =>
  pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        registered[a.name] = { type: a.type, inputs: a.inputs };
        return { id: `${a.name}-id`, state: { ...a.inputs, name: a.inputs.name ?? `${a.name}-auto` } };
      },
      call: () => ({}),
    },
    "proj",
    "dev",
  ),
);
beforeEach(() => {
  for (const k of Object.keys(registered)) delete registered[k];
});

const resolved = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

test("a tunnel per member, each flooding to the others' addresses, on its own host and bridge", async () => {
  const mesh = new VxlanMesh("lab", {
    vni: 4242,
    port: 4790,
    mtu: 1400,
    members: [
      { name: "hv1", host: { netns: "a" }, bridge: "br0", localAddress: "10.0.0.1" },
      { name: "hv2", host: { ssh: { host: "10.0.0.2" } }, bridge: pulumi.output("lan"), localAddress: pulumi.output("10.0.0.2"), deviceName: "vx42" },
      { name: "hv3", host: { netns: "c", ssh: { host: "hv3.lab", user: "ops" } }, bridge: "br1", localAddress: "10.0.0.3" },
    ],
  });
  expect(Object.keys(mesh.tunnels)).toEqual(["hv1", "hv2", "hv3"]);
  expect(await resolved(mesh.tunnels.hv2!.name)).toBe("vx42");
  expect(await resolved(mesh.tunnels.hv1!.remotes)).toEqual(["10.0.0.2", "10.0.0.3"]);
  expect(Object.fromEntries(Object.entries(registered).map(([n, r]) => [n, r.type.split(":").pop()]))).toEqual({
    lab: "VxlanMesh", "lab-hv1": "VxlanTunnel", "lab-hv2": "VxlanTunnel", "lab-hv3": "VxlanTunnel",
  });
  const common = { vni: 4242, port: 4790, mtu: 1400 };
  expect(registered["lab-hv1"]!.inputs).toMatchObject({ ...common, localAddress: "10.0.0.1", remotes: ["10.0.0.2", "10.0.0.3"], bridge: "br0", host: { netns: "a" } });
  expect(registered["lab-hv1"]!.inputs.name).toBeUndefined(); // auto-named by the provider
  expect(registered["lab-hv2"]!.inputs).toMatchObject({ ...common, name: "vx42", localAddress: "10.0.0.2", remotes: ["10.0.0.1", "10.0.0.3"], bridge: "lan", host: { ssh: { host: "10.0.0.2" } } });
  expect(registered["lab-hv3"]!.inputs).toMatchObject({ ...common, localAddress: "10.0.0.3", remotes: ["10.0.0.1", "10.0.0.2"], bridge: "br1", host: { netns: "c", ssh: { host: "hv3.lab", user: "ops" } } });
});

test("port and mtu left to the tunnels' defaults; one member floods nowhere", async () => {
  const mesh = new VxlanMesh("solo", { vni: 7, members: [{ name: "only", host: {}, bridge: "br0", localAddress: "10.1.0.1" }] });
  expect(await resolved(mesh.tunnels.only!.remotes)).toEqual([]);
  expect(registered["solo-only"]!.inputs).toMatchObject({ vni: 7, remotes: [] });
  expect(registered["solo-only"]!.inputs.port).toBeUndefined();
  expect(registered["solo-only"]!.inputs.mtu).toBeUndefined();
});

test.each([
  ["duplicate", [{ name: "hv1" }, { name: "hv2" }, { name: "hv1" }], /VxlanMesh "m": members\[2\].name "hv1" duplicates members\[0\]/],
  ["empty", [{ name: "hv1" }, { name: "" }], /VxlanMesh "m": members\[1\].name must be a non-empty string/],
])("member names: %s is refused before anything is declared", (_label, members, error) => {
  const full = members.map((m) => ({ ...m, host: {}, bridge: "br0", localAddress: "10.0.0.1" }));
  expect(() => checkMembers("m", full)).toThrow(error);
  expect(() => new VxlanMesh("m", { vni: 1, members: full })).toThrow(error);
  expect(Object.keys(registered)).toEqual([]);
});
