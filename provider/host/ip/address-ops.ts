import type { Host } from "../host";
import { isFailure } from "../runner/command-error";

/** Add an address (CIDR) to a link; an address already there is success (ensure, not create). */
export async function addAddress(host: Host, dev: string, cidr: string): Promise<void> {
  try {
    await host.ipWrite(["addr", "add", cidr, "dev", dev]);
  } catch (e) {
    if (isFailure(e, "exists")) return;
    throw e;
  }
}

/** Remove an address from a link; already gone is success. */
export async function deleteAddress(host: Host, dev: string, cidr: string): Promise<void> {
  try {
    await host.ipWrite(["addr", "del", cidr, "dev", dev]);
  } catch (e) {
    if (isFailure(e, "not-found") || /cannot assign requested address/i.test((e as Error).message)) return;
    throw e;
  }
}
