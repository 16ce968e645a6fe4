/**
 * The NetworkNat SDK class: args derived from the provider's schema (the compiler checks the @ts-expect-error lines
 * in `npm run lint`), every state key registered so each output exists on the object.
 */
import * as pulumi from "@pulumi/pulumi";
import { NetworkNat, type NetworkNatArgs } from "../../../sdk";

describe("NetworkNat SDK", () => {
  const registered: Record<string, Record<string, unknown>> = {};
  beforeAll(() =>
    pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          registered[a.name] = a.inputs;
          return { id: `${a.name}-id`, state: { ...a.inputs, table: "qemu_lab_nat_x", ipForward: true } };
        },
        call: () => ({}),
      },
      "proj",
      "dev",
    ),
  );

  test("args take outputs at every depth and refuse what the schema does not know", () => {
    const ok: NetworkNatArgs = { sourceCidr: pulumi.output("192.168.122.0/24"), forwards: [{ protocol: "tcp", hostPort: pulumi.output(2222), toAddress: "192.168.122.10", toPort: 22 }], host: { netns: pulumi.output("lab") } };
    // @ts-expect-error -- protocol is "tcp" | "udp"
    const sctp: NetworkNatArgs = { sourceCidr: "10.0.0.0/8", forwards: [{ protocol: "sctp", hostPort: 1, toAddress: "10.0.0.2", toPort: 1 }] };
    // @ts-expect-error -- sourceCidr is required
    const missing: NetworkNatArgs = { forwards: [] };
    expect([ok, sctp, missing]).toHaveLength(3);
  });

  test("inputs are passed through and every output is registered", async () => {
    const nat = new NetworkNat("nat", { sourceCidr: "192.168.122.0/24", outInterface: "eth0" });
    const [table, ipForward] = await new Promise<[string, boolean]>((resolve) => pulumi.all([nat.table, nat.ipForward]).apply(resolve));
    expect([table, ipForward]).toEqual(["qemu_lab_nat_x", true]);
    const keys = ["name", "sourceCidr", "outInterface", "forwards", "host", "table", "ruleset", "ipForward", "ipForwardChanged"] as const;
    expect(keys.filter((k) => !pulumi.Output.isInstance(nat[k]))).toEqual([]);
    expect(registered.nat).toMatchObject({ sourceCidr: "192.168.122.0/24", outInterface: "eth0", __resourceName: "nat" });
  });
});
