import * as fs from "node:fs";
import * as path from "node:path";
import { UNKNOWN } from "../../../driver";
import { FilesStack, ObjectSpec, ops, stepOf } from "./helpers";

// One stack walked through its whole life; each test builds on the state the previous one left.
describe("lifecycle driver: preview, up, replace, delete, refresh, destroy", () => {
  const stack = new FilesStack();
  let objects: ObjectSpec[] = [
    { name: "a", content: "A" },
    { name: "b", content: "B", contentFrom: "a" },
  ];
  const typeOf = "pulumi-nodejs:dynamic/files:FileObject";
  afterAll(() => stack.cleanup());

  it("preview plans creates without creating anything", async () => {
    const result = await stack.run(stack.driver(objects).preview());
    expect(ops(result)).toEqual({ a: "create", b: "create" });
    expect(result.steps.find((s) => s.type === "pulumi:pulumi:Stack")?.op).toBe("create");
    expect(result.outputs.paths).toEqual({ a: UNKNOWN, b: UNKNOWN });
    expect(stack.events()).toEqual([]);
    expect(fs.existsSync(stack.stateFile)).toBe(false);
    expect(stack.output).toContain(` +  ${typeOf} a create`);
    expect(stack.output).toMatch(/Resources:\n {4}\+ 3 to create\n/);
  });

  it("up creates the resources and records state with dependencies", async () => {
    const result = await stack.run(stack.driver(objects).up());
    expect(ops(result)).toEqual({ a: "create", b: "create" });
    expect(stack.content("a")).toBe("A");
    expect(stack.content("b")).toBe("A+B");
    const a = stack.resource("a")!;
    const b = stack.resource("b")!;
    expect(a.urn).toBe(`urn:pulumi:dev::files-lab::${typeOf}::a`);
    expect(b.propertyDependencies.content).toEqual([a.urn]);
    expect(b.dependencies).toContain(a.urn);
    expect(typeof a.inputs.__provider).toBe("string");
    expect(result.outputs.paths).toEqual({ a: path.join(stack.root, a.id!), b: path.join(stack.root, b.id!) });
    expect(stack.state().resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs).toEqual(result.outputs);
    expect(stack.output).toMatch(/ \+ {2}pulumi-nodejs:dynamic\/files:FileObject b created \(\d+\.\d+s\)/);
  });

  it("a second up is a no-op", async () => {
    const before = stack.events().length;
    const result = await stack.run(stack.driver(objects).up());
    expect(ops(result)).toEqual({ a: "same", b: "same" });
    expect(result.summary).toEqual({ same: 3 });
    expect(stack.events().length).toBe(before);
  });

  it("a changed config value previews and applies as an update", async () => {
    objects = [
      { name: "a", content: "A2" },
      { name: "b", content: "B", contentFrom: "a" },
    ];
    const preview = await stack.run(stack.driver(objects).preview());
    expect(ops(preview)).toEqual({ a: "update", b: "update" });
    expect(stepOf(preview, "a")?.diffs).toEqual(["content"]);
    expect(stack.output).toContain(` ~  ${typeOf} a update [diff: ~content]`);
    expect(stack.content("a")).toBe("A");

    const before = stack.events().length;
    const result = await stack.run(stack.driver(objects).up());
    expect(ops(result)).toEqual({ a: "update", b: "update" });
    expect(stack.eventsSince(before)).toEqual(["update a", "update b"]);
    expect(stack.content("b")).toBe("A2+B");
    expect(stack.output).toMatch(/ {4}~ 2 updated\n/);
  });

  it("a replacement creates the new object before deleting the old one", async () => {
    objects = [
      { name: "a", content: "A2", replaceKey: "r1" },
      { name: "b", content: "B", contentFrom: "a" },
    ];
    const oldId = stack.resource("a")!.id!;
    const preview = await stack.run(stack.driver(objects).preview());
    expect(stepOf(preview, "a")).toMatchObject({ op: "replace", replaceKeys: ["replaceKey"], deleteBeforeReplace: false });
    expect(ops(preview).b).toBe("same");

    const before = stack.events().length;
    const result = await stack.run(stack.driver(objects).up());
    expect(stepOf(result, "a")).toMatchObject({ op: "replace", deleteBeforeReplace: false });
    const newId = stack.resource("a")!.id!;
    expect(newId).not.toBe(oldId);
    expect(stack.events().slice(before)).toEqual([`create a ${newId}`, `delete a ${oldId}`]);
    expect(stack.state().resources.filter((r) => r.urn.endsWith("::a"))).toHaveLength(1);
    expect(stack.output).toContain(` +- ${typeOf} a replaced`);
  });

  it("a replacement the provider marks deleteBeforeReplace deletes first", async () => {
    objects = [
      { name: "a", content: "A2", replaceKey: "r1" },
      { name: "b", content: "B", contentFrom: "a", replaceKey: "r1", dbr: true },
    ];
    const oldId = stack.resource("b")!.id!;
    const before = stack.events().length;
    const result = await stack.run(stack.driver(objects).up());
    expect(stepOf(result, "b")).toMatchObject({ op: "replace", deleteBeforeReplace: true });
    const newId = stack.resource("b")!.id!;
    expect(stack.events().slice(before)).toEqual([`delete b ${oldId}`, `create b ${newId}`]);
    expect(stack.output).toContain(` -+ ${typeOf} b replaced`);
  });

  it("removing a resource from the program deletes it", async () => {
    objects = [{ name: "a", content: "A2", replaceKey: "r1" }];
    const bId = stack.resource("b")!.id!;
    const preview = await stack.run(stack.driver(objects).preview());
    expect(ops(preview)).toEqual({ a: "same", b: "delete" });
    expect(fs.existsSync(path.join(stack.root, bId))).toBe(true);

    const result = await stack.run(stack.driver(objects).up());
    expect(ops(result)).toEqual({ a: "same", b: "delete" });
    expect(fs.existsSync(path.join(stack.root, bId))).toBe(false);
    expect(stack.resource("b")).toBeUndefined();
    expect(result.outputs.paths).toEqual({ a: expect.any(String) });
  });

  it("refresh shows drift of a hand-edited object, and the next up repairs it", async () => {
    objects = [
      { name: "a", content: "A2", replaceKey: "r1" },
      { name: "c", content: "C" },
    ];
    await stack.run(stack.driver(objects).up());
    fs.writeFileSync(path.join(stack.root, stack.resource("a")!.id!), "edited by hand");
    fs.rmSync(path.join(stack.root, stack.resource("c")!.id!));

    stack.output = "";
    const refreshed = await stack.run(stack.driver(objects).refresh());
    expect(stepOf(refreshed, "a")).toMatchObject({ op: "refresh", diffs: ["content"] });
    expect(stepOf(refreshed, "c")?.op).toBe("delete");
    expect(stack.output).toContain(` ~  ${typeOf} a updated`);
    expect(stack.output).toContain("[diff: ~content]");
    expect(stack.resource("a")!.outputs.content).toBe("edited by hand");
    expect(stack.resource("a")!.inputs.content).toBe("A2");
    expect(stack.resource("c")).toBeUndefined();

    const result = await stack.run(stack.driver(objects).up());
    expect(ops(result)).toEqual({ a: "update", c: "create" });
    expect(stepOf(result, "a")?.diffs).toEqual(["content"]);
    expect(stack.content("a")).toBe("A2");
    expect(stack.content("c")).toBe("C");
  });

  it("destroy deletes in reverse dependency order", async () => {
    objects = [
      { name: "a", content: "A2", replaceKey: "r1" },
      { name: "c", content: "C" },
      { name: "d", content: "D", contentFrom: "a" },
      { name: "e", content: "E", dependsOn: ["d"] },
    ];
    await stack.run(stack.driver(objects).up());
    const before = stack.events().length;
    const result = await stack.run(stack.driver(objects).destroy());
    const order = stack.eventsSince(before);
    expect(order.sort()).toEqual(["delete a", "delete c", "delete d", "delete e"]);
    const raw = stack.eventsSince(before);
    expect(raw.indexOf("delete e")).toBeLessThan(raw.indexOf("delete d"));
    expect(raw.indexOf("delete d")).toBeLessThan(raw.indexOf("delete a"));
    expect(result.summary.delete).toBe(5); // four objects and the stack
    expect(stack.state().resources).toEqual([]);
    expect(fs.readdirSync(stack.root).sort()).toEqual(["events.log", "state"]);
  });
});
