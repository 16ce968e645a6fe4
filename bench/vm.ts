/**
 * The VM part: from create called to the guest's forwarded port answering, against the same QEMU command line
 * started by hand; destroy of a guest that powers off and of one that ignores the power button.
 */

/** VM timings (ms) over the repetitions. */
export interface VmSamples {
  providerBoot: number[];
  manualBoot: number[];
  destroyCooperative: number[];
  destroyStubborn: number[];
}

/** Why the VM part cannot run now, or undefined when it can. */
export function vmUnavailable(): string | undefined {
  return "TODO: the VM part waits for test/support/guest.ts (ensureTestGuest) and the QemuVm/PortForward resources";
}

/** Measures the VM part `reps` times. */
export async function measureVm(_reps: number, _log: (s: string) => void): Promise<VmSamples> {
  throw new Error(vmUnavailable());
}
