import { KIND_NAMES } from "../../../provider/kinds";
import * as path from "node:path";
import { ProviderClient, serializeDynamicProvider } from "../../../driver/provider-client";
import { providerShim } from "../../../sdk/shim";
import { linkIn, TestNamespaces, uniqueName } from "../../support/netns";

/**
 * The Pulumi path for real: each kind's provider is serialized exactly as pulumi.dynamic.Resource does,
 * loaded by the real @pulumi/pulumi dynamic-provider process, and driven over gRPC.
 * The shim loads the implementation from the built package (dist/), so `npm run build` must have run.
 */
const ROOT = path.resolve(__dirname, "../../..");
// From the one table of kinds: a kind added there is tested here too.
const KINDS = KIND_NAMES;
const urn = (kind: string, name: string) => `urn:pulumi:test::qemu-lab::pulumi-nodejs:dynamic/qemu-lab:${kind}::${name}`;

describe("serialized providers in the real dynamic-provider host", () => {
  const spaces = new TestNamespaces();
  let client: ProviderClient;
  const serialized = new Map<string, string>();

  beforeAll(async () => {
    for (const k of KINDS) serialized.set(k, await serializeDynamicProvider(providerShim(k)));
    client = await ProviderClient.start({ cwd: path.join(ROOT, "examples") });
    await client.configure({});
  });
  afterAll(async () => {
    await client?.close();
    spaces.cleanup();
  });

  test("each kind's serialized provider is a small shim with no captured implementation", () => {
    for (const [kind, text] of serialized) {
      expect(text.length).toBeLessThan(4000);
      expect(text).toContain(`kind: "${kind}"`);
      expect(text).toContain('require("pulumi-qemu-lab/provider")');
      expect(text).not.toMatch(/zod|execa|ZodObject/);
    }
  });

  test.each(KINDS)("%s: check runs in the provider process and reports failures with property paths", async (kind) => {
    const r = await client.check({ urn: urn(kind, "bad"), news: { __provider: serialized.get(kind)!, bogus: 1, name: "a/b" } });
    // The unknown key is named with its path, whatever else the kind finds missing.
    expect(r.failures).toContainEqual({ property: "(inputs)", reason: expect.stringMatching(/^Unrecognized key\(s\) in object: 'bogus'/) });
  });

  test("Bridge: Configure → Check → Create → Diff → Update → Read → Delete against the kernel", async () => {
    const netns = spaces.create("qlph");
    const __provider = serialized.get("Bridge")!;
    const u = urn("Bridge", "br");
    const name = uniqueName("qb");
    const news = { __provider, __resourceName: "br", name, addresses: ["10.61.0.1/24"], host: { netns } };
    const checked = await client.check({ urn: u, news });
    expect(checked.failures).toEqual([]);
    const created = await client.create({ urn: u, properties: checked.inputs });
    expect(created.id).toBeTruthy();
    let link = linkIn(netns, name);
    expect(link?.linkinfo?.info_kind).toBe("bridge");
    const v4 = (l: any) => l?.addr_info.filter((a: { family: string }) => a.family === "inet").map((a: { local: string }) => a.local);
    expect(v4(link)).toEqual(["10.61.0.1"]);

    const news2 = { ...news, addresses: ["10.61.0.1/24", "fd00:61::1/64"], mtu: 1400 };
    const checked2 = await client.check({ urn: u, olds: checked.inputs, news: news2 });
    const diff = await client.diff({ urn: u, id: created.id, olds: created.properties, news: checked2.inputs });
    expect(diff.changes).toBe("some");
    expect(diff.replaces).toEqual([]);
    await client.update({ urn: u, id: created.id, olds: created.properties, news: checked2.inputs });
    link = linkIn(netns, name);
    expect(link?.mtu).toBe(1400);
    expect(link?.addr_info.map((a: { local: string }) => a.local)).toContain("fd00:61::1");

    const read = await client.read({ urn: u, id: created.id, properties: created.properties });
    expect(read.id).toBe(created.id);
    expect(read.properties.mtu).toBe(1400);
    expect(read.properties.__provider).toBe(__provider);

    await client.delete({ urn: u, id: created.id, properties: read.properties });
    expect(linkIn(netns, name)).toBeUndefined();
    await client.delete({ urn: u, id: created.id, properties: read.properties }); // already gone: success
    const gone = await client.read({ urn: u, id: created.id, properties: read.properties });
    expect(gone.id).toBeFalsy();
  });
});
