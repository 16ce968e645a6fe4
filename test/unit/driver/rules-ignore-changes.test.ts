/**
 * ignoreChanges with the engine's path syntax and reset rules: the cases of the engine's own TestReset
 * (sdk/go/common/resource/properties_path_test.go:458-) plus `[*]`/`*`, and its parser's examples.
 */
import { ignoreChangesMessage, parsePropertyPath, processIgnoreChanges } from "../../../driver/property-diff";

describe("parsePropertyPath (properties_path.go:69-148)", () => {
  test.each([
    ["root", ["root"]],
    ["root.nested", ["root", "nested"]],
    ['root["nested"]', ["root", "nested"]],
    ["root.array[0].nested", ["root", "array", 0, "nested"]],
    ['root["key with \\"escaped\\" quotes"]', ["root", 'key with "escaped" quotes']],
    ['["root key with a ."][100]', ["root key with a .", 100]],
    ["root.array[*].field", ["root", "array", "*", "field"]],
    ["*", ["*"]],
    ["foo-bar", ["foo-bar"]],
  ])("%s", (path, expected) => expect(parsePropertyPath(path)).toEqual(expected));

  test.each([".a", "a.", "a[0", 'a["x]', "a[x]"])("%s is malformed", (path) => expect(() => parsePropertyPath(path)).toThrow());
});

describe("processIgnoreChanges (step_generator.go:3074-3095, PropertyPath.reset)", () => {
  // [case, path, old inputs, new inputs, expected new inputs, or null for a path error]
  test.each([
    ["missing key, not in object", "missing", { root: 1 }, { root: 2 }, { root: 2 }],
    ["missing key, not an object", "root.missing", { root: 1 }, { root: 2 }, { root: 2 }],
    ["changed from an object", "root.nested", { root: { nested: 1 } }, { root: 2 }, null],
    ["changed to an object", "root.nested", { root: 1 }, { root: { nested: 2 } }, { root: {} }],
    ["missing key along path", "missing.path", { root: 1 }, { root: 2 }, { root: 2 }],
    ["missing index, not in array", "array[1]", { array: [1] }, { array: [1] }, { array: [1] }],
    ["missing index, not an array", "root[0]", { root: 1 }, { root: 2 }, { root: 2 }],
    ["index, changed from an array", "root[0]", { root: [1] }, { root: 2 }, null],
    ["index, changed to an array", "root[0]", { root: 1 }, { root: [2] }, null],
    ["negative index", "array[-1]", { array: [1] }, { array: [1] }, null],
    ["index out of bounds in old", "root[1]", { root: [2] }, { root: [3, 4] }, null],
    ["index out of bounds in new", "root[1]", { root: [1, 2] }, { root: [3] }, null],
    ["index in range", "root[1]", { root: [1, 2] }, { root: [3, 4] }, { root: [3, 2] }],
    ["single element", "root", { root: 1 }, { root: 2 }, { root: 1 }],
    ["single element, absent in old: removed", "root", {}, { root: 2 }, {}],
    ["nested, changed", "root.nested", { root: { nested: 1 } }, { root: { nested: 2 } }, { root: { nested: 1 } }],
    ["nested, added", "root.nested", { root: {} }, { root: { nested: 2 } }, { root: {} }],
    ["nested, removed", "root.nested", { root: { nested: 1 } }, { root: {} }, { root: { nested: 1 } }],
    ["nested, fully removed", "root.nested", { root: { nested: 1 } }, {}, null],
    ["nested, nested added", "root.nested", {}, { root: { nested: 2 } }, { root: {} }],
    ["every element's field", "list[*].v", { list: [{ v: 1 }, { v: 2 }] }, { list: [{ v: 3 }, { v: 4 }] }, { list: [{ v: 1 }, { v: 2 }] }],
    ["every element, lengths differ", "list[*]", { list: [1, 2] }, { list: [3] }, null],
    ["every key of an object", "obj.*", { obj: { a: 1 } }, { obj: { a: 2, b: 3 } }, { obj: { a: 1 } }],
    ["everything", "*", { a: 1, b: 2 }, { a: 3, c: 4 }, { a: 1, b: 2 }],
  ])("%s: %s", (_name, path, olds, news, expected) => {
    const { inputs, invalid } = processIgnoreChanges(news as Record<string, unknown>, olds as Record<string, unknown>, [path]);
    if (expected === null) expect(invalid).toEqual([path]);
    else {
      expect(invalid).toEqual([]);
      expect(inputs).toEqual(expected);
    }
  });

  it("leaves the program's inputs untouched and skips unparsable paths", () => {
    const news = { a: 2 };
    expect(processIgnoreChanges(news, { a: 1 }, ["a", "b["])).toEqual({ inputs: { a: 1 }, invalid: [] });
    expect(news).toEqual({ a: 2 });
  });

  it("words the diagnostic as the engine does", () => {
    expect(ignoreChangesMessage(["foo.bar", "x[1]"])).toBe('cannot ignore changes in added or removed elements of the path: "foo.bar, x[1]"');
  });
});
