/**
 * The upgrade scenario both upgrade suites share: the upgrade-lab fixture as a user's program folder, first linked to
 * one build of this package, then to a traced copy of this checkout (which records every provider read, update and
 * delete), with its stack, namespace and temp files removed after the suite.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DriverKind } from "../../../driver";
import { netnsList, uniqueName } from "../../support/netns";
import { LabStack, ops } from "./lab-stack";
import { programFolder, tracedCopy } from "./package-copies";

export interface UpgradeLab {
  readonly ns: string;
  /** Where the traced copy records its calls. */
  readonly marker: string;
  stack(): LabStack;
  /** Link the program folder to the traced copy of this checkout: the upgrade. */
  upgrade(): void;
  /** The `__provider` shims of the state's custom resources. */
  shims(): string[];
  /** Refresh, and check it ran the upgraded (traced) code's read for both resources, changing nothing. */
  refreshRunsUpgradedCode(): Promise<void>;
  /** Destroy, and check it ran the upgraded code's delete for both resources and left no namespace. */
  destroyRunsUpgradedCode(): Promise<void>;
}

/**
 * Set up in beforeAll (the first build from `firstBuild(work)`) and clean up in afterAll. Call at describe level.
 */
export function upgradeLab(prefix: string, firstBuild: (work: string) => string, kind: DriverKind = "driver"): UpgradeLab {
  const ns = uniqueName(prefix);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `qlab-${prefix}-`));
  const marker = path.join(work, "traced.log");
  const traced = path.join(work, "this-traced");
  let stack: LabStack | undefined;
  let install: (pkg: string) => void;

  beforeAll(() => {
    const first = firstBuild(work);
    tracedCopy(traced, marker);
    ({ install } = programFolder(path.join(__dirname, "fixtures", "upgrade-lab"), path.join(work, "program"), first));
    stack = new LabStack(path.join(work, "program"), { namespace: ns }, {}, kind);
  });

  afterAll(async () => {
    try {
      // stack is unset when beforeAll failed (e.g. building the earlier release): the work folder still goes.
      if (stack) expect(await stack.cleanup([ns], [work])).toEqual([]);
      expect(netnsList()).not.toContain(ns);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  const traces = () => fs.readFileSync(marker, "utf8").trim().split("\n");
  return {
    ns,
    marker,
    stack: () => stack!,
    upgrade: () => install(traced),
    shims: () => stack!.state().resources.filter((r) => r.custom).map((r) => r.inputs.__provider as string),
    async refreshRunsUpgradedCode() {
      const refresh = await stack!.run(stack!.driver().refresh());
      expect(ops(refresh)).toEqual({ lab: "same", br: "same" });
      expect(traces().sort()).toEqual([`read Bridge ubr0`, `read NetworkNamespace ${ns}`]);
    },
    async destroyRunsUpgradedCode() {
      const destroy = await stack!.run(stack!.driver().destroy());
      expect(ops(destroy)).toEqual({ lab: "delete", br: "delete" });
      expect(traces().slice(2)).toEqual([`delete Bridge ubr0`, `delete NetworkNamespace ${ns}`]);
      expect(netnsList()).not.toContain(ns);
    },
  };
}
