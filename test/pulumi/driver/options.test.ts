import * as fs from "node:fs";
import * as path from "node:path";
import { FilesStack, ObjectSpec, ops, stepOf } from "./helpers";

describe("lifecycle driver: resource options", () => {
  const stacks: FilesStack[] = [];
  const newStack = () => {
    const s = new FilesStack();
    stacks.push(s);
    return s;
  };
  afterAll(() => stacks.forEach((s) => s.cleanup()));

  it("protect refuses deletes and replaces until it is lifted", async () => {
    const stack = newStack();
    const objs = (p: ObjectSpec): ObjectSpec[] => [p, { name: "free", content: "F" }];
    await stack.run(stack.driver(objs({ name: "p", content: "P", protect: true })).up());
    expect(stack.resource("p")!.protect).toBe(true);

    const replace = await stack.fails(stack.driver(objs({ name: "p", content: "P", replaceKey: "x", protect: true })).up());
    expect(replace.errors[0].message).toMatch(/unable to replace resource ".*::p"\nas it is currently marked for protection/);
    expect(stack.content("p")).toBe("P");

    const removed = await stack.fails(stack.driver([{ name: "free", content: "F" }]).up());
    expect(removed.message).toMatch(/unable to delete resource ".*::p"/);
    expect(stack.resource("p")).toBeDefined();

    const destroy = await stack.fails(stack.driver([]).destroy());
    expect(destroy.message).toContain("marked for protection");
    expect(stack.resource("free")).toBeUndefined(); // independent resources still go
    expect(stack.resource("p")).toBeDefined();
    expect(stack.content("p")).toBe("P");

    await stack.run(stack.driver(objs({ name: "p", content: "P", protect: false })).up());
    expect(stack.resource("p")!.protect).toBeUndefined();
    await stack.run(stack.driver([]).destroy());
    expect(stack.state().resources).toEqual([]);
  });

  it("retainOnDelete drops the resource from state without deleting it", async () => {
    const stack = newStack();
    await stack.run(stack.driver([{ name: "r", content: "R", retainOnDelete: true }]).up());
    const id = stack.resource("r")!.id!;
    const before = stack.events().length;
    const result = await stack.run(stack.driver([]).up());
    expect(stepOf(result, "r")).toMatchObject({ op: "delete", retained: true });
    expect(stack.eventsSince(before)).toEqual([]);
    expect(fs.readFileSync(path.join(stack.root, id), "utf8")).toBe("R");
    expect(stack.resource("r")).toBeUndefined();
  });

  it("ignoreChanges keeps the old value of ignored properties", async () => {
    const stack = newStack();
    await stack.run(stack.driver([{ name: "i", content: "one", ignoreChanges: ["content"] }]).up());
    const same = await stack.run(stack.driver([{ name: "i", content: "two", ignoreChanges: ["content"] }]).up());
    expect(ops(same)).toEqual({ i: "same" });
    expect(stack.content("i")).toBe("one");

    const updated = await stack.run(stack.driver([{ name: "i", content: "two", tag: "t", ignoreChanges: ["content"] }]).up());
    expect(stepOf(updated, "i")).toMatchObject({ op: "update", diffs: ["tag"] });
    expect(stack.content("i")).toBe("one");
    expect(stack.resource("i")!.inputs).toMatchObject({ content: "one", tag: "t" });
  });

  it("dependsOn orders creation and deletion and is stored in state", async () => {
    const stack = newStack();
    const objects: ObjectSpec[] = [
      { name: "base", content: "B" },
      { name: "child", content: "C", dependsOn: ["base"], deleteBeforeReplace: true },
    ];
    await stack.run(stack.driver(objects).up());
    const base = stack.resource("base")!;
    expect(stack.resource("child")!.dependencies).toEqual([base.urn]);
    expect(stack.eventsSince(0)).toEqual(["create base", "create child"]);

    // The deleteBeforeReplace resource option forces delete-first even though the provider did not ask for it.
    const before = stack.events().length;
    await stack.run(stack.driver([objects[0], { ...objects[1], replaceKey: "2" }]).up());
    expect(stack.eventsSince(before)).toEqual(["delete child", "create child"]);

    const start = stack.events().length;
    await stack.run(stack.driver(objects).destroy());
    expect(stack.eventsSince(start)).toEqual(["delete child", "delete base"]);
  });

  it("a failing create fails the up, keeps state consistent, and the next up converges", async () => {
    const stack = newStack();
    const objects: ObjectSpec[] = [
      { name: "ok1", content: "1" },
      { name: "bad", content: "X", fail: "create" },
      { name: "ok2", content: "2" },
      { name: "after", content: "after", contentFrom: "bad" },
    ];
    const err = await stack.fails(stack.driver(objects).up());
    expect(err.message).toContain("pulumi-nodejs:dynamic/files:FileObject (bad): injected create failure for bad");
    expect(err.errors).toHaveLength(1);
    expect(stepOf(err.result, "bad")).toMatchObject({ op: "create", error: "injected create failure for bad" });
    expect(stack.content("ok1")).toBe("1");
    expect(stack.content("ok2")).toBe("2");
    expect(stack.resource("bad")).toBeUndefined();
    expect(stack.resource("after")).toBeUndefined();
    expect(stack.output).toContain("**create failed**");

    const fixed = objects.map((o) => ({ ...o, fail: undefined }));
    const result = await stack.run(stack.driver(fixed).up());
    expect(ops(result)).toEqual({ ok1: "same", bad: "create", ok2: "same", after: "create" });
    expect(stack.content("after")).toBe("X+after");
  });

  it("a failing update keeps the old state; a replaced object's old half waits for a successful up", async () => {
    const stack = newStack();
    await stack.run(stack.driver([{ name: "u", content: "1" }, { name: "r", content: "R" }]).up());
    const oldR = stack.resource("r")!.id!;

    const objects: ObjectSpec[] = [
      { name: "u", content: "2", fail: "update" },
      { name: "r", content: "R", replaceKey: "k" },
    ];
    const err = await stack.fails(stack.driver(objects).up());
    expect(err.message).toContain("injected update failure for u");
    expect(stack.resource("u")!.outputs.content).toBe("1");
    expect(stack.content("u")).toBe("1");
    // The replacement of r was created; its old half is kept, marked for deletion, because the up failed.
    const entries = stack.state().resources.filter((x) => x.urn.endsWith("::r"));
    expect(entries.map((x) => [x.id === oldR, x.delete === true])).toEqual(
      expect.arrayContaining([
        [true, true],
        [false, false],
      ]),
    );
    expect(fs.existsSync(path.join(stack.root, oldR))).toBe(true);

    const result = await stack.run(stack.driver(objects.map((o) => ({ ...o, fail: undefined }))).up());
    expect(result.steps.filter((x) => x.custom).map((x) => `${x.op} ${x.name}`).sort()).toEqual(["delete r", "same r", "update u"]);
    expect(fs.existsSync(path.join(stack.root, oldR))).toBe(false);
    expect(stack.state().resources.filter((x) => x.urn.endsWith("::r"))).toHaveLength(1);
    expect(stack.content("u")).toBe("2");
  });

  it("a partial create is recorded with its ID and updated by the next up", async () => {
    const stack = newStack();
    const err = await stack.fails(stack.driver([{ name: "p", content: "P", fail: "partial" }]).up());
    expect(err.message).toContain("injected partial failure for p");
    const recorded = stack.resource("p")!;
    expect(recorded.id).toMatch(/^p-/);
    expect(recorded.initErrors).toEqual(["object created but unhealthy"]);
    expect(recorded.outputs).toMatchObject({ healthy: false, __provider: expect.any(String) });

    const result = await stack.run(stack.driver([{ name: "p", content: "P" }]).up());
    expect(stepOf(result, "p")).toMatchObject({ op: "update", id: recorded.id });
    expect(stack.resource("p")!.initErrors).toBeUndefined();
    expect(stack.resource("p")!.outputs.healthy).toBeUndefined();
    await stack.run(stack.driver([]).destroy());
    expect(fs.existsSync(path.join(stack.root, recorded.id!))).toBe(false);
  });

  it("Check failures fail the preview with the provider's reason", async () => {
    const stack = newStack();
    const driver = stack.driver([{ name: "n", content: 42 as unknown as string }]);
    const err = await stack.fails(driver.preview());
    expect(err.message).toContain("property content value 42 has a problem: content must be a string");
  });

  it("components parent their children in the URN and are deleted after them", async () => {
    const stack = newStack();
    const result = await stack.run(stack.driver([{ name: "k", content: "K", parent: "g" }], ["g"]).up());
    const child = stack.resource("k")!;
    expect(child.urn).toBe("urn:pulumi:dev::files-lab::files:index:Group$pulumi-nodejs:dynamic/files:FileObject::k");
    expect(child.parent).toBe("urn:pulumi:dev::files-lab::files:index:Group::g");
    expect(result.steps.find((s) => s.name === "g")).toMatchObject({ op: "create", custom: false });
    expect(stack.state().resources.find((r) => r.urn.endsWith("::g"))?.outputs).toEqual({ label: "group g" });
    const destroyed = await stack.run(stack.driver([]).destroy());
    const names = destroyed.steps.map((s) => s.name);
    expect(names.indexOf("k")).toBeLessThan(names.indexOf("g"));
  });
});
