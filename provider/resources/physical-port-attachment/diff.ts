import { placeOf } from "../common/host-schema";
import type { DiffTable } from "../common/diff-table";
import { diffByTable, jsonEqual } from "../common/diff-table";
import type { DiffResult } from "../common/handler";
import type { PhysicalPortAttachmentInputs, PhysicalPortAttachmentState } from "./schema";

/**
 * update moves the port to another bridge and moves/returns addresses; another port or another
 * network namespace is another attachment. A new attachment never clashes with the old one, so
 * replacement creates first (the old delete then gives the old port its addresses back).
 */
export const PORT_ATTACHMENT_DIFF: DiffTable<keyof PhysicalPortAttachmentInputs> = {
  update: ["bridge", "moveAddresses"],
  replace: ["port", "host"],
  deleteBeforeReplace: () => false,
};

/** `host` matters only by machine and namespace: stateDir is not used by this kind. */
function equal(key: keyof PhysicalPortAttachmentInputs, a: unknown, b: unknown): boolean {
  if (key === "host") return placeOf(a) === placeOf(b);
  return jsonEqual(a, b);
}

/** Pure diff; a port found down by refresh is an update too (update brings it up). */
export function diffPhysicalPortAttachment(olds: PhysicalPortAttachmentState, news: PhysicalPortAttachmentInputs): DiffResult {
  const d = diffByTable(PORT_ATTACHMENT_DIFF, olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, equal);
  if (olds.portUp === false && d.replaces.length === 0) return { ...d, changes: true, updates: [...d.updates, "portUp"] };
  return d;
}
