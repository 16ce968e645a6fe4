/** Issue 12, defect 5: the owner label tells two stacks of one name apart, and is stable for one stack. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ownerLabel } from "../../../sdk/shim";

const home = process.cwd();
let a: string;
let b: string;
beforeAll(() => {
  void pulumi.runtime.setMocks({ newResource: (x) => ({ id: x.name, state: x.inputs }), call: () => ({}) }, "lab", "dev");
  a = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-stack-a-"));
  b = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-stack-b-"));
});
afterAll(() => {
  process.chdir(home);
  fs.rmSync(a, { recursive: true, force: true });
  fs.rmSync(b, { recursive: true, force: true });
});
afterEach(() => pulumi.runtime.setAllConfig({}));

test("two checkouts of project lab, stack dev, on one host: different labels; the same checkout: the same label", () => {
  process.chdir(a);
  const first = ownerLabel("br");
  expect(first).toMatch(/^lab\/dev\/br#[0-9a-f]{12}$/);
  process.chdir(b);
  const other = ownerLabel("br");
  expect(other).not.toBe(first);
  process.chdir(a);
  expect(ownerLabel("br")).toBe(first);
});

test("config qemu-lab:stackId sets the tag, whatever the directory", () => {
  pulumi.runtime.setAllConfig({ "qemu-lab:stackId": "7f3a" });
  process.chdir(a);
  const inA = ownerLabel("br");
  process.chdir(b);
  expect(ownerLabel("br")).toBe(inA);
  pulumi.runtime.setAllConfig({ "qemu-lab:stackId": "9c1e" });
  expect(ownerLabel("br")).not.toBe(inA);
});

test("a long project/stack/name keeps its tag: the label is cut before the tag, never through it", () => {
  process.chdir(a);
  const label = ownerLabel("r".repeat(300));
  expect(label).toHaveLength(200);
  expect(label).toMatch(/r#[0-9a-f]{12}$/);
});
