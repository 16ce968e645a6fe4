import { deletionRounds, sortByDependencies } from "../../../driver/graph";
import { applyIgnoreChanges, diffProperties, displayDiff, formatDiff } from "../../../driver/property-diff";
import { configEnv } from "../../../driver/program";
import type { ResourceState } from "../../../driver/types";
import { makeUrn, parseUrn } from "../../../driver/urn";

const res = (name: string, deps: string[] = [], extra: Partial<ResourceState> = {}): ResourceState => ({
  urn: `urn:pulumi:s::p::t::${name}`,
  type: "t",
  custom: true,
  inputs: {},
  outputs: {},
  dependencies: deps.map((d) => `urn:pulumi:s::p::t::${d}`),
  propertyDependencies: {},
  ...extra,
});

describe("driver units", () => {
  it("builds and parses URNs with parent type chains", () => {
    const stack = makeUrn("dev", "lab", "pulumi:pulumi:Stack", "lab-dev");
    const group = makeUrn("dev", "lab", "lab:index:Group", "g", stack);
    expect(group).toBe("urn:pulumi:dev::lab::lab:index:Group::g");
    const child = makeUrn("dev", "lab", "pulumi-nodejs:dynamic:Resource", "a::b", group);
    expect(child).toBe("urn:pulumi:dev::lab::lab:index:Group$pulumi-nodejs:dynamic:Resource::a::b");
    expect(parseUrn(child)).toMatchObject({ type: "pulumi-nodejs:dynamic:Resource", name: "a::b", stack: "dev" });
  });

  it("diffs properties and formats them like the CLI", () => {
    const diff = diffProperties({ a: 1, b: [1], c: "x", __provider: "p1" }, { a: 1, b: [2], d: true, __provider: "p2" }, ["__provider"]);
    expect(diff).toEqual({ adds: ["d"], deletes: ["c"], updates: ["b"], old: { a: 1, b: [1], c: "x" }, new: { a: 1, b: [2], d: true } });
    expect(formatDiff(diff)).toBe("[diff: +d-c~b]");
    expect(formatDiff(displayDiff({ x: 1, __provider: "p1" }, { x: 1, __provider: "p2" }))).toBe("[diff: ~__provider]");
  });

  it("applies ignoreChanges paths from the old inputs", () => {
    const olds = { a: 1, nested: { x: 1, y: 2 } };
    expect(applyIgnoreChanges({ a: 2, b: 3, nested: { x: 5, y: 6 } }, olds, ["a", "b", "nested.y"])).toEqual({ a: 1, nested: { x: 5, y: 2 } });
    expect(() => applyIgnoreChanges({ a: 1 }, { n: { x: 1 } }, ["n.x"])).toThrow(/path are missing/);
  });

  it("orders state and deletions by dependencies", () => {
    const a = res("a");
    const b = res("b", ["a"]);
    const c = res("c", [], { parent: b.urn });
    const d = res("d");
    expect(sortByDependencies([c, b, d, a]).map((r) => r.urn.split("::").pop())).toEqual(["a", "b", "c", "d"]);
    const rounds = deletionRounds([a, b, c, d]).map((r) => r.map((x) => x.urn.split("::").pop()).sort());
    expect(rounds).toEqual([["c", "d"], ["b"], ["a"]]);
  });

  it("passes config to cmd/run as PULUMI_CONFIG with project namespaces and string values", () => {
    expect(JSON.parse(configEnv("lab", { mtu: 1500, name: "x", "other:k": true, list: [1] }))).toEqual({
      "lab:mtu": "1500",
      "lab:name": "x",
      "other:k": "true",
      "lab:list": "[1]",
    });
  });
});
