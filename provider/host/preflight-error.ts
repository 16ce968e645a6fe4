/** What preflight checks find before a program is started, and the one error that lists it. */

/** One thing that would make a program (QEMU, dnsmasq) fail to start, with the fix. */
export interface PreflightProblem {
  /** The input it concerns, e.g. `nics[1].bridge`. */
  property: string;
  what: string;
  fix: string;
}

/** Thrown before a program (QEMU, dnsmasq) is started: every problem found, each with its fix. */
export class PreflightError extends Error {
  constructor(
    readonly problems: PreflightProblem[],
    program = "QEMU",
  ) {
    super(
      `preflight found ${problems.length} problem(s), ${program} was not started:\n` +
        problems.map((p) => `  - ${p.property}: ${p.what}\n    fix: ${p.fix}`).join("\n"),
    );
    this.name = "PreflightError";
  }
}
