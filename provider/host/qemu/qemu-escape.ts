/**
 * QEMU option-string escaping. In `-drive`, `-netdev`, `-device`, `-chardev` values a comma separates
 * options, so a literal comma inside a value is written as two commas. Pure.
 */
export function qemuOptValue(value: string): string {
  if (/[\0\n\r]/.test(value)) throw new Error(`QEMU option value must not contain NUL or newline: ${JSON.stringify(value)}`);
  return value.replace(/,/g, ",,");
}

/** `key=value,key=value` with every value escaped; undefined values are left out. Pure. */
export function qemuOpts(first: string | undefined, opts: ReadonlyArray<readonly [string, string | undefined]>): string {
  const parts = first === undefined ? [] : [first];
  for (const [k, v] of opts) if (v !== undefined) parts.push(`${k}=${qemuOptValue(v)}`);
  return parts.join(",");
}
