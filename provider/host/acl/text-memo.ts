/**
 * Memoize a pure function of a file's text (most recent `size` texts). Refreshing N entries of one
 * bridge.conf parses the file once instead of N times; a changed file is a new key, so no staleness.
 */
export function memoByText<T>(fn: (text: string) => T, size = 8): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    const hit = cache.get(text);
    if (hit !== undefined) {
      cache.delete(text); // re-insert: most recently used last
      cache.set(text, hit);
      return hit;
    }
    const v = fn(text);
    cache.set(text, v);
    if (cache.size > size) cache.delete(cache.keys().next().value as string);
    return v;
  };
}
