/**
 * The confirmation after a preview, as pulumi asks it (pkg/backend/apply.go:183-240 `confirmBeforeUpdating`):
 * "Do you want to perform this update?" with yes / no / details, `no` the default.
 */
import * as readline from "node:readline";
import type { OperationName } from "./args";

/** An answer to the prompt. */
export type Answer = "yes" | "no" | "details";

/** What the prompt names the operation (apply.go `updateTextMap[kind].previewText`). */
const NOUN: Record<Exclude<OperationName, "preview">, string> = { up: "update", refresh: "refresh", destroy: "destroy" };

/** The question for an operation; a refresh adds pulumi's note that only the state changes (apply.go:220-223). */
export function confirmPrompt(op: Exclude<OperationName, "preview">): string {
  const base = `Do you want to perform this ${NOUN[op]}?`;
  return op === "refresh" ? `${base}\nNo resources will be modified as part of this refresh; just your stack's state will be.` : base;
}

/** The message when the user declines (apply.go:232). */
export function declinedMessage(op: Exclude<OperationName, "preview">): string {
  return `confirmation declined, not proceeding with the ${NOUN[op]}`;
}

/** A typed answer: a prefix of yes/no/details (any case); empty is the default, `no`; anything else undefined. */
export function parseAnswer(text: string): Answer | undefined {
  const t = text.trim().toLowerCase();
  if (t === "") return "no";
  for (const a of ["yes", "no", "details"] as const) if (a.startsWith(t)) return a;
  return undefined;
}

/** Asks until the answer is one of the choices; end of input counts as `no`. */
export async function ask(prompt: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<Answer> {
  const rl = readline.createInterface({ input, output, terminal: false });
  // Why the iterator: it buffers lines, so answers arriving in one chunk (piped input) are not lost between asks.
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (;;) {
      output.write(`${prompt} [yes/no/details] (no): `);
      const next = await lines.next();
      if (next.done) return "no";
      const answer = parseAnswer(next.value);
      if (answer) return answer;
      output.write("Please answer yes, no or details.\n");
    }
  } finally {
    rl.close();
  }
}
