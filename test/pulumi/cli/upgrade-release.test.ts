/**
 * The upgrade a user makes, under the real Pulumi CLI: a stack created with the previous release of this package
 * (built from git history), then this version installed in its place, then `pulumi up` — no resource is replaced or
 * updated, and the unchanged `__provider` shims in the state now run this version's code (refresh, destroy).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { linkIn, netnsList, uniqueName } from "../../support/netns";
import { ipv4Of, LabStack, ops } from "../lifecycle/lab-stack";
import { steps } from "../../support/steps";
import { PREVIOUS_RELEASE, programFolder, releaseBuild, tracedCopy } from "../lifecycle/package-copies";

jest.setTimeout(240_000);

describe(`pulumi up after upgrading from the previous release (${PREVIOUS_RELEASE}) to this one`, () => {
  const step = steps(); // each step builds on the last: a failure stops the chain, naming the step
  const ns = uniqueName("qlr");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-release-"));
  const marker = path.join(work, "this-version.log");
  const fixture = path.join(__dirname, "..", "lifecycle", "fixtures", "upgrade-lab");
  let install: (pkg: string) => void;
  let stack: LabStack;
  let shimsBefore: string[];

  const shims = () => stack.state().resources.filter((r) => r.custom).map((r) => r.inputs.__provider as string);

  beforeAll(() => {
    const previous = releaseBuild(PREVIOUS_RELEASE, path.join(work, "previous"));
    tracedCopy(path.join(work, "this"), marker);
    let dir: string;
    ({ dir, install } = programFolder(fixture, path.join(work, "program"), previous));
    stack = new LabStack(dir, { namespace: ns }, {}, "pulumi-cli");
  });

  afterAll(async () => {
    expect(await stack.cleanup([ns], [work])).toEqual([]);
    expect(netnsList()).not.toContain(ns);
  });

  step("the previous release creates the namespace and the bridge", async () => {
    const up = await stack.run(stack.driver().up());
    expect(ops(up)).toEqual({ lab: "create", br: "create" });
    expect(linkIn(ns, "ubr0")?.linkinfo?.info_kind).toBe("bridge");
    expect(ipv4Of(ns, "ubr0")).toEqual(["10.78.0.1/24"]);
    shimsBefore = shims();
    expect(shimsBefore).toHaveLength(2);
    expect(fs.existsSync(marker)).toBe(false);
  });

  step("after installing this version, pulumi up replaces and updates nothing", async () => {
    const ifindex = linkIn(ns, "ubr0")?.ifindex;
    install(path.join(work, "this"));
    const preview = await stack.run(stack.driver().preview());
    expect(ops(preview)).toEqual({ lab: "same", br: "same" });
    const up = await stack.run(stack.driver().up());
    expect(ops(up)).toEqual({ lab: "same", br: "same" });
    expect(linkIn(ns, "ubr0")?.ifindex).toBe(ifindex); // the same bridge, not a new one
    expect(ipv4Of(ns, "ubr0")).toEqual(["10.78.0.1/24"]);
    expect(shims()).toEqual(shimsBefore);
  });

  step("refresh and destroy run this version's code through the unchanged shims", async () => {
    const refresh = await stack.run(stack.driver().refresh());
    expect(ops(refresh)).toEqual({ lab: "same", br: "same" });
    expect(fs.readFileSync(marker, "utf8").trim().split("\n").sort()).toEqual([`read Bridge ubr0`, `read NetworkNamespace ${ns}`]);
    const destroy = await stack.run(stack.driver().destroy());
    expect(ops(destroy)).toEqual({ lab: "delete", br: "delete" });
    expect(fs.readFileSync(marker, "utf8").trim().split("\n").slice(2)).toEqual([`delete Bridge ubr0`, `delete NetworkNamespace ${ns}`]);
    expect(netnsList()).not.toContain(ns);
  });
});
