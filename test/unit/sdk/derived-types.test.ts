/**
 * The SDK's argument and output types are derived from the provider's schemas (one definition per property).
 * The type assertions here are checked by the compiler in `npm run lint` (ts-jest only transpiles): a
 * property added to a schema reaches the SDK, and a property the schema does not know fails to compile.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { BridgeState } from "../../../provider/resources/bridge/schema";
import { Bridge, type BridgeArgs, type QemuVmArgs } from "../../../sdk";
import type { ArgsOf, OutputsOf, StateKeys } from "../../../sdk/resource-types";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

test("a property added to a schema appears in the SDK's args, as an Input at every depth", () => {
  const schema = () => z.object({ name: z.string(), mtu: z.number().optional(), tags: z.array(z.string()).default([]) }).strict();
  const extended = () => schema().extend({ vlan: z.number().int() });
  type Args = ArgsOf<z.input<ReturnType<typeof schema>>, "name">;
  type ExtendedArgs = ArgsOf<z.input<ReturnType<typeof extended>>, "name">;

  const withVlan: ExtendedArgs = { vlan: pulumi.output(7), tags: [pulumi.output("a"), "b"] };
  // @ts-expect-error -- vlan is not in the first schema, so the SDK refuses it
  const refused: Args = { vlan: 7 };
  // @ts-expect-error -- a required schema property is required in the SDK too
  const missing: ExtendedArgs = { tags: [] };
  expect([withVlan, refused, missing]).toHaveLength(3);
  expect(Object.keys(extended().shape)).toEqual(["name", "mtu", "tags", "vlan"]);
  assertType<Equal<keyof ExtendedArgs, "name" | "mtu" | "tags" | "vlan">>();
});

test("the real resources: args accept outputs, refuse unknown keys, outputs are the state's types", () => {
  const nested: BridgeArgs = { addresses: pulumi.output(["10.0.0.1/24"]), host: { netns: pulumi.output("lab") }, up: true };
  // @ts-expect-error -- no such Bridge input
  const typo: BridgeArgs = { adresses: ["10.0.0.1/24"] };
  // @ts-expect-error -- a NIC's type is a union of literals from the schema
  const badNic: QemuVmArgs = { nics: [{ type: "tap" }] };
  expect([nested, typo, badNic]).toHaveLength(3);
  assertType<Equal<Bridge["ifindex"], pulumi.Output<number>>>();
  assertType<Equal<Bridge["addresses"], pulumi.Output<string[]>>>();
  assertType<Equal<keyof OutputsOf<BridgeState>, keyof BridgeState>>();
});

test("StateKeys lists every state key exactly: a missing or extra key fails to compile", () => {
  type S = { a: number; b?: string };
  const full: StateKeys<S> = { a: undefined, b: undefined };
  // @ts-expect-error -- b is missing
  const short: StateKeys<S> = { a: undefined };
  // @ts-expect-error -- c is not a state key
  const extra: StateKeys<S> = { a: undefined, b: undefined, c: undefined };
  expect(Object.keys(full)).toEqual(["a", "b"]);
  expect([short, extra]).toHaveLength(2);
});

describe("a resource registers every state key, so each output exists on the object", () => {
  const registered: Record<string, Record<string, unknown>> = {};
  beforeAll(() =>
    pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          registered[a.name] = a.inputs;
          return { id: `${a.name}-id`, state: { ...a.inputs, ifindex: 7, created: true } };
        },
        call: () => ({}),
      },
      "proj",
      "dev",
    ),
  );

  test("Bridge: inputs passed through, outputs resolved from the provider's state", async () => {
    const br = new Bridge("br", { mtu: 1400 });
    const [ifindex, mtu] = await new Promise<[number, number]>((resolve) => pulumi.all([br.ifindex, br.mtu]).apply(resolve));
    expect([ifindex, mtu]).toEqual([7, 1400]);
    expect(registered.br).toMatchObject({ mtu: 1400, __resourceName: "br", __owner: expect.stringMatching(/^proj\/dev\/br#[0-9a-f]{12}$/) });
  });
});
