/**
 * The steps of one scenario that builds on itself (a stack is expensive: up once, then drift, refresh, repair,
 * destroy). Declared with `step` instead of `it`, they run in order; when one fails, every later step fails at once
 * naming it, instead of running against a half-built lab and reporting failures that are not theirs.
 */
export function steps(): (name: string, fn: () => unknown, timeoutMs?: number) => void {
  let broken: string | undefined;
  return (name, fn, timeoutMs) =>
    it(
      name,
      async () => {
        if (broken !== undefined) throw new Error(`not run: the earlier step "${broken}" failed, and this step builds on what it leaves`);
        try {
          await fn();
        } catch (e) {
          broken = name;
          throw e;
        }
      },
      timeoutMs,
    );
}
