/** An error's message, or the thrown value as text: the one way every layer turns a caught value into words. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
