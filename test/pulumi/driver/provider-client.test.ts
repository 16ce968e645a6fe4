import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ProviderClient, ResourceInitError, serializeDynamicProvider } from "../../../driver/provider-client";

const { fileProvider } = require("./fixtures/files-program/file-provider.js") as { fileProvider: object };

const URN = "urn:pulumi:dev::files-lab::pulumi-nodejs:dynamic/files:FileObject::a";

describe("ProviderClient against the real dynamic-provider process", () => {
  let root: string;
  let client: ProviderClient | undefined;
  let serialized: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "driver-provider-"));
    serialized = await serializeDynamicProvider(fileProvider);
    client = await ProviderClient.start({ cwd: path.join(__dirname, "fixtures", "files-program") });
  });

  afterAll(async () => {
    await client?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const events = (): string[] => fs.readFileSync(path.join(root, "events.log"), "utf8").trim().split("\n");

  it("drives Configure, Check, Create, Diff, Update, Read, Delete", async () => {
    const c = client!;
    expect(serialized).toContain("handler");
    await c.configure({});

    const news = { root, name: "a", content: "one", __provider: serialized };
    const checked = await c.check({ urn: URN, olds: {}, news });
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ root, name: "a", content: "one" });

    const bad = await c.check({ urn: URN, olds: {}, news: { ...news, content: 42 } });
    expect(bad.failures).toEqual([{ property: "content", reason: "content must be a string" }]);

    const created = await c.create({ urn: URN, properties: checked.inputs });
    expect(created.id).toMatch(/^a-/);
    expect(created.properties).toMatchObject({ content: "one", path: path.join(root, created.id) });
    expect(created.properties.__provider).toBe(serialized);
    expect(fs.readFileSync(path.join(root, created.id), "utf8")).toBe("one");

    const same = await c.diff({ urn: URN, id: created.id, olds: created.properties, news: checked.inputs });
    expect(same).toMatchObject({ changes: "none", replaces: [] });

    const news2 = { ...checked.inputs, content: "two" };
    const changed = await c.diff({ urn: URN, id: created.id, olds: created.properties, news: news2 });
    expect(changed).toMatchObject({ changes: "some", replaces: [], deleteBeforeReplace: false });
    const replace = await c.diff({ urn: URN, id: created.id, olds: created.properties, news: { ...news2, replaceKey: "x", dbr: true } });
    expect(replace).toMatchObject({ changes: "some", replaces: ["replaceKey"], deleteBeforeReplace: true });

    const updated = await c.update({ urn: URN, id: created.id, olds: created.properties, news: news2 });
    expect(updated.properties).toMatchObject({ content: "two" });

    fs.writeFileSync(path.join(root, created.id), "edited by hand");
    const read = await c.read({ urn: URN, id: created.id, properties: updated.properties, inputs: news2 });
    expect(read.id).toBe(created.id);
    expect(read.properties).toMatchObject({ content: "edited by hand" });
    expect(read.properties.__provider).toBe(serialized);

    await c.delete({ urn: URN, id: created.id, properties: read.properties });
    expect(fs.existsSync(path.join(root, created.id))).toBe(false);
    const gone = await c.read({ urn: URN, id: created.id, properties: read.properties });
    expect(gone.id).toBeUndefined();

    expect(events().map((e) => e.split(" ")[0])).toEqual(["create", "update", "delete"]);
  });

  it("surfaces provider errors and partial creates", async () => {
    const c = client!;
    const base = { root, content: "x", __provider: serialized };
    await expect(c.create({ urn: URN, properties: { ...base, name: "f", fail: "create" } })).rejects.toThrow(
      "injected create failure for f",
    );
    const err = await c.create({ urn: URN, properties: { ...base, name: "p", fail: "partial" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceInitError);
    const init = err as ResourceInitError;
    expect(init.message).toBe("injected partial failure for p");
    expect(init.id).toMatch(/^p-/);
    expect(init.properties).toMatchObject({ healthy: false, content: "x" });
    expect(init.reasons).toEqual(["object created but unhealthy"]);
    await c.delete({ urn: URN, id: init.id, properties: { ...init.properties, __provider: serialized } });
  });
});
