/**
 * The upgrade a user makes, under the real Pulumi CLI: a stack created with the previous release of this package
 * (built from git history), then this version installed in its place, then `pulumi up` — no resource is replaced or
 * updated, and the unchanged `__provider` shims in the state now run this version's code (refresh, destroy).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { linkIn } from "../../support/netns";
import { steps } from "../../support/steps";
import { ipv4Of, ops } from "../lifecycle/lab-stack";
import { PREVIOUS_RELEASE, releaseBuild } from "../lifecycle/package-copies";
import { upgradeLab } from "../lifecycle/upgrade-lab";

jest.setTimeout(240_000);

describe(`pulumi up after upgrading from the previous release (${PREVIOUS_RELEASE}) to this one`, () => {
  const step = steps(); // each step builds on the last: a failure stops the chain, naming the step
  const lab = upgradeLab("qlr", (work) => releaseBuild(PREVIOUS_RELEASE, path.join(work, "previous")), "pulumi-cli");
  const { ns } = lab;
  let shimsBefore: string[];

  step("the previous release creates the namespace and the bridge", async () => {
    const up = await lab.stack().run(lab.stack().driver().up());
    expect(ops(up)).toEqual({ lab: "create", br: "create" });
    expect(linkIn(ns, "ubr0")?.linkinfo?.info_kind).toBe("bridge");
    expect(ipv4Of(ns, "ubr0")).toEqual(["10.78.0.1/24"]);
    shimsBefore = lab.shims();
    expect(shimsBefore).toHaveLength(2);
    expect(fs.existsSync(lab.marker)).toBe(false);
  });

  step("after installing this version, pulumi up replaces and updates nothing", async () => {
    const ifindex = linkIn(ns, "ubr0")?.ifindex;
    lab.upgrade();
    const preview = await lab.stack().run(lab.stack().driver().preview());
    expect(ops(preview)).toEqual({ lab: "same", br: "same" });
    const up = await lab.stack().run(lab.stack().driver().up());
    expect(ops(up)).toEqual({ lab: "same", br: "same" });
    expect(linkIn(ns, "ubr0")?.ifindex).toBe(ifindex); // the same bridge, not a new one
    expect(ipv4Of(ns, "ubr0")).toEqual(["10.78.0.1/24"]);
    expect(lab.shims()).toEqual(shimsBefore);
  });

  step("refresh and destroy run this version's code through the unchanged shims", async () => {
    await lab.refreshRunsUpgradedCode();
    await lab.destroyRunsUpgradedCode();
  });
});
