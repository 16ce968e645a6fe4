/**
 * How qemu-bridge-helper (QEMU 7.2, `parse_acl_file` in qemu-bridge-helper.c) reads bridge.conf,
 * reproduced exactly so our reader evaluates access the way the helper will:
 * - the file is read with `fgets(line, 4096)`: a physical line longer than 4095 bytes is read as
 *   several lines (each chunk parsed on its own);
 * - leading whitespace (C `isspace`) is skipped; a line whose first other byte is `#`, or that is
 *   empty, is ignored. `#` anywhere else is NOT a comment: `allow br0 # x` names the bridge `br0 # x`;
 * - the command ends at the first space in the line, or if there is none at the first tab; a line
 *   with neither is "Invalid config line" and fails the whole file;
 * - the argument is the rest with surrounding whitespace trimmed; for allow/deny it must be
 *   shorter than IFNAMSIZ (16) or the file fails ("name too long");
 * - `allow all` / `deny all` match every bridge; `include PATH` parses another file, ignoring its
 *   errors (rules read before the error stay); any other command fails the file.
 */

/** IFNAMSIZ: interface names (and allow/deny arguments) are at most 15 bytes. */
export const IFNAMSIZ = 16;
/** fgets buffer size in the helper. */
export const HELPER_LINE_BUFFER = 4096;

/** One rule as the helper stores it. */
export type HelperRule =
  | { type: "allow" | "deny"; bridge: string; line: number }
  | { type: "allow-all" | "deny-all"; line: number }
  | { type: "include"; path: string; line: number };

/** A parse error that makes the helper reject the file. */
export interface HelperParseError {
  line: number;
  message: string;
}

/** Rules in file order (up to an error) and the error, if any. `line` is the 1-based physical line. */
export interface HelperParse {
  rules: HelperRule[];
  error?: HelperParseError;
}

/** C `isspace` in the C locale. */
export function isCSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\v" || ch === "\f" || ch === "\r";
}

/** The pieces fgets returns: physical lines split every 4095 bytes (each keeps its 1-based physical line number). */
export function fgetsChunks(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  const physical = text.split("\n");
  if (physical.length > 0 && physical[physical.length - 1] === "") physical.pop();
  physical.forEach((raw, i) => {
    const bytes = Buffer.from(raw + "\n", "utf8");
    if (i === physical.length - 1 && !text.endsWith("\n")) {
      const noNl = Buffer.from(raw, "utf8");
      for (let off = 0; off < noNl.length; off += HELPER_LINE_BUFFER - 1)
        out.push({ text: noNl.subarray(off, off + HELPER_LINE_BUFFER - 1).toString("latin1"), line: i + 1 });
      return;
    }
    for (let off = 0; off < bytes.length; off += HELPER_LINE_BUFFER - 1)
      out.push({ text: bytes.subarray(off, off + HELPER_LINE_BUFFER - 1).toString("latin1"), line: i + 1 });
  });
  return out;
}

/** Parse one fgets chunk as the helper does; undefined for comments and blank lines. */
export function parseHelperLine(chunk: string, line: number): HelperRule | HelperParseError | undefined {
  let p = 0;
  while (isCSpace(chunk[p])) p++;
  if (p >= chunk.length || chunk[p] === "#") return undefined;
  const rest = chunk.slice(p);
  let sep = rest.indexOf(" ");
  if (sep < 0) sep = rest.indexOf("\t");
  if (sep < 0) return { line, message: `Invalid config line: ${JSON.stringify(chunk.replace(/\n$/, ""))}` };
  const cmd = rest.slice(0, sep);
  let a = sep + 1;
  while (isCSpace(rest[a])) a++;
  let e = rest.length;
  while (e > a && isCSpace(rest[e - 1])) e--;
  const argBytes = rest.slice(a, e); // latin1: one char per byte, like C
  const arg = Buffer.from(argBytes, "latin1").toString("utf8");
  if (cmd !== "include" && argBytes.length >= IFNAMSIZ)
    return { line, message: `name \`${arg}' too long: ${argBytes.length} (the helper allows at most ${IFNAMSIZ - 1} bytes)` };
  if (cmd === "allow" || cmd === "deny") {
    if (arg === "all") return { type: cmd === "allow" ? "allow-all" : "deny-all", line };
    return { type: cmd, bridge: arg, line };
  }
  if (cmd === "include") return { type: "include", path: arg, line };
  return { line, message: `Unknown command \`${Buffer.from(cmd, "latin1").toString("utf8")}'` };
}

/** Parse a whole file's text as the helper does: rules up to the first error. */
export function parseHelperFile(text: string): HelperParse {
  const rules: HelperRule[] = [];
  for (const c of fgetsChunks(text)) {
    const r = parseHelperLine(c.text, c.line);
    if (!r) continue;
    if ("message" in r) return { rules, error: r };
    rules.push(r);
  }
  return { rules };
}
