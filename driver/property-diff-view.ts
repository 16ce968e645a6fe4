/**
 * The property-level diff that `--diff` prints, as the Pulumi CLI v3.248 renders it without colour
 * (pkg/backend/display/object_diff.go: printObjectDiff, printPropertyValueDiff, printPrimitivePropertyValue,
 * printTextDiff, printLineDiff, decodeValue): per property `~ key: old => new`, `+ key: value`, `- key: value`,
 * unchanged ones without a sign, keys aligned, nested objects and arrays (by index) indented, strings holding JSON or
 * YAML decoded and diffed as values, multi-line strings as a line diff, secrets as `[secret]` and unknowns as
 * `[unknown]`. Pure: values in, text out.
 */
import { hasSecretSig } from "./checkpoint";
import { deepEqual, isInternalKey, PropertyDiff } from "./property-diff";
import { PropertyMap, UNKNOWN } from "./rpc";
import { SECRET_MASK } from "./secrets";

/** A line's sign: the engine's raw prefixes of create, delete, update and same (deploy.RawPrefix). */
type Sign = "+" | "-" | "~" | " ";

/** How the next text is written: indent level (4 columns each), its sign, and whether the sign is shown. */
interface Pen {
  indent: number;
  sign: Sign;
  prefix: boolean;
}

/** The marker after the first line of a property whose change forces a replacement. */
export const FORCES_REPLACEMENT = " (forces replacement)";

interface ObjectDiff {
  adds: Map<string, unknown>;
  deletes: Map<string, unknown>;
  sames: Map<string, unknown>;
  updates: Map<string, ValueDiff>;
}

interface ArrayDiff {
  adds: Map<number, unknown>;
  deletes: Map<number, unknown>;
  sames: Map<number, unknown>;
  updates: Map<number, ValueDiff>;
  length: number;
}

interface ValueDiff {
  old: unknown;
  new: unknown;
  array?: ArrayDiff;
  object?: ObjectDiff;
}

const isSecret = hasSecretSig;
const isUnknown = (v: unknown): boolean => v === UNKNOWN;
const isString = (v: unknown): v is string => typeof v === "string" && v !== UNKNOWN;
const isObject = (v: unknown): v is PropertyMap => typeof v === "object" && v !== null && !Array.isArray(v) && !isSecret(v);
const hasValue = (v: unknown): boolean => v !== null && v !== undefined;
const isPrimitive = (v: unknown): boolean => !Array.isArray(v) && !isObject(v);

/** The engine's ObjectDiff (properties_diff.go): internal keys ignored, null counts as no value. */
function objectDiff(olds: PropertyMap, news: PropertyMap): ObjectDiff | undefined {
  const d: ObjectDiff = { adds: new Map(), deletes: new Map(), sames: new Map(), updates: new Map() };
  for (const [k, old] of Object.entries(olds)) {
    if (isInternalKey(k) || old === undefined) continue;
    if (news[k] !== undefined) {
      const next = news[k];
      const vd = valueDiff(old, next);
      if (!vd) d.sames.set(k, old);
      else if (!hasValue(old)) d.adds.set(k, next);
      else if (!hasValue(next)) d.deletes.set(k, old);
      else d.updates.set(k, vd);
    } else if (hasValue(old)) d.deletes.set(k, old);
  }
  for (const [k, next] of Object.entries(news)) {
    if (!isInternalKey(k) && olds[k] === undefined && hasValue(next)) d.adds.set(k, next);
  }
  return d.adds.size + d.deletes.size + d.updates.size > 0 ? d : undefined;
}

/** The engine's PropertyValue.Diff: arrays element by element, objects key by key, anything else as a whole. */
function valueDiff(old: unknown, next: unknown): ValueDiff | undefined {
  if (Array.isArray(old) && Array.isArray(next)) {
    const a: ArrayDiff = { adds: new Map(), deletes: new Map(), sames: new Map(), updates: new Map(), length: Math.max(old.length, next.length) };
    for (let i = old.length; i < next.length; i++) a.adds.set(i, next[i]);
    for (let i = next.length; i < old.length; i++) a.deletes.set(i, old[i]);
    for (let i = 0; i < old.length && i < next.length; i++) {
      const vd = valueDiff(old[i], next[i]);
      if (vd) a.updates.set(i, vd);
      else a.sames.set(i, old[i]);
    }
    return a.adds.size + a.deletes.size + a.updates.size > 0 ? { old, new: next, array: a } : undefined;
  }
  if (isObject(old) && isObject(next)) {
    const object = objectDiff(old, next);
    return object ? { old, new: next, object } : undefined;
  }
  return deepEqual(old, next) ? undefined : { old, new: next };
}

/**
 * The diff without its unchanged parts, at every level: what the CLI shows of a detailed diff, which names changed
 * paths only (engine/detailedDiff.go, TranslateDetailedDiff). Strings holding JSON are still diffed in full.
 */
function withoutSames(d: ObjectDiff): ObjectDiff {
  const updates = new Map([...d.updates].map(([k, v]) => [k, valueWithoutSames(v)]));
  return { adds: d.adds, deletes: d.deletes, sames: new Map(), updates };
}

function valueWithoutSames(v: ValueDiff): ValueDiff {
  if (v.object) return { ...v, object: withoutSames(v.object) };
  if (!v.array) return v;
  const updates = new Map([...v.array.updates].map(([i, u]) => [i, valueWithoutSames(u)]));
  return { ...v, array: { ...v.array, sames: new Map(), updates } };
}

/** Whether a value is worth a line: not null, "", [] or {} (object_diff.go, shouldPrintPropertyValue). */
function shouldPrint(v: unknown): boolean {
  if (!hasValue(v) || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** A number as Go's `%.f` (integers, never an exponent) or `%g` (fractions). */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString();
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  const [mantissa, e] = n.toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(n);
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const ESCAPES: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\" };

/** A string quoted as Go's `%q` (strconv.Quote): printable characters as they are, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (PRINTABLE.test(ch)) out += ch;
    else if (code < 0x80) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}

/**
 * A string holding a JSON (or, when multi-line, YAML) object or array, decoded; undefined otherwise
 * (object_diff.go, decodeValue).
 */
function decodeValue(repr: string): { value: unknown; kind: "json" | "yaml" } | undefined {
  const text = repr.trim();
  const structured = (v: unknown) => Array.isArray(v) || isObject(v);
  try {
    const value: unknown = JSON.parse(text);
    return structured(value) ? { value, kind: "json" } : undefined;
  } catch {
    // not JSON: YAML is tried next for multi-line strings
  }
  if (!/[\r\n]/.test(text)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml ships no types
    const yaml = require("js-yaml") as { load(text: string, options: { schema: unknown }): unknown; CORE_SCHEMA: unknown };
    const value = yaml.load(text, { schema: yaml.CORE_SCHEMA });
    // Why the round trip: plain JSON values only, as the engine's property values are.
    return structured(value) ? { value: JSON.parse(JSON.stringify(value)) as unknown, kind: "yaml" } : undefined;
  } catch {
    return undefined;
  }
}

/** A run of lines a line diff keeps, deletes or inserts. */
interface LineChunk {
  sign: " " | "-" | "+";
  text: string;
}

/** Lines with their line ends kept, as diffmatchpatch's DiffLinesToChars splits a text. */
function splitLines(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const j = s.indexOf("\n", i);
    out.push(j === -1 ? s.slice(i) : s.slice(i, j + 1));
    i = j === -1 ? s.length : j + 1;
  }
  return out;
}

/** Largest middle part (lines × lines) given a longest-common-subsequence table; past it, all of it changes. */
const MAX_LCS_CELLS = 4_000_000;

/** A minimal line diff (common prefix and suffix, then the longest common subsequence), deletes before inserts. */
export function lineDiff(oldText: string, newText: string): LineChunk[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: { sign: LineChunk["sign"]; line: string }[] = a.slice(0, start).map((line) => ({ sign: " ", line }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length * midB.length > MAX_LCS_CELLS) {
    ops.push(...midA.map((line) => ({ sign: "-" as const, line })), ...midB.map((line) => ({ sign: "+" as const, line })));
  } else {
    // lcs[i][j]: length of the longest common subsequence of midA[i:] and midB[j:].
    const lcs = Array.from({ length: midA.length + 1 }, () => new Array<number>(midB.length + 1).fill(0));
    for (let i = midA.length - 1; i >= 0; i--) {
      for (let j = midB.length - 1; j >= 0; j--) lcs[i]![j] = midA[i] === midB[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
    let i = 0;
    let j = 0;
    while (i < midA.length || j < midB.length) {
      if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
        ops.push({ sign: " ", line: midA[i++]! });
        j++;
      } else if (j >= midB.length || (i < midA.length && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ sign: "-", line: midA[i++]! });
      else ops.push({ sign: "+", line: midB[j++]! });
    }
  }
  ops.push(...a.slice(endA).map((line) => ({ sign: " " as const, line })));
  // Merge runs: equal lines together; between two equal runs, one delete chunk then one insert chunk.
  const chunks: LineChunk[] = [];
  let pending: { "-": string; "+": string } = { "-": "", "+": "" };
  const flush = () => {
    if (pending["-"]) chunks.push({ sign: "-", text: pending["-"] });
    if (pending["+"]) chunks.push({ sign: "+", text: pending["+"] });
    pending = { "-": "", "+": "" };
  };
  for (const op of ops) {
    if (op.sign !== " ") {
      pending[op.sign] += op.line;
      continue;
    }
    flush();
    const last = chunks[chunks.length - 1];
    if (last?.sign === " ") last.text += op.line;
    else chunks.push({ sign: " ", text: op.line });
  }
  flush();
  return chunks;
}

/** Builds the text; every method is one of object_diff.go's propertyPrinter methods. */
class DiffText {
  text = "";

  private write(s: string): void {
    this.text += s;
  }

  private lead(p: Pen): string {
    const spaces = "    ".repeat(p.indent);
    if (!p.prefix || spaces === "") return spaces;
    return spaces.slice(0, -2) + p.sign + " ";
  }

  /** One whole line with the pen's sign. */
  line(p: Pen, text: string): void {
    this.indented(p, text + "\n");
  }

  private indented(p: Pen, text: string): void {
    this.write(this.lead(p) + text);
  }

  private unprefixed(p: Pen, text: string): void {
    this.write(this.lead({ ...p, prefix: false }) + text);
  }

  private title(p: Pen, name: string, align: number): void {
    // Why two measures: Go pads `%-*s` by runes but measures keys (len) in bytes.
    this.indented(p, name + " ".repeat(Math.max(0, align - [...name].length)) + ": ");
  }

  object(p: Pen, props: PropertyMap): void {
    const keys = Object.keys(props)
      .filter((k) => props[k] !== undefined)
      .sort();
    const align = maxKey(keys);
    for (const k of keys) if (!isInternalKey(k)) this.objectProperty(p, k, props[k], align);
  }

  private objectProperty(p: Pen, key: string, value: unknown, align: number): void {
    this.title(p, key, align);
    this.value(p, value);
  }

  value(p: Pen, v: unknown): void {
    this.valueInline(p, v);
    this.write("\n");
  }

  private valueInline(p: Pen, v: unknown): void {
    if (Array.isArray(v)) {
      if (v.length === 0) return this.write("[]");
      this.write("[\n");
      v.forEach((elem, i) => {
        this.indented(p, `    [${i}]: `);
        this.value({ ...p, indent: p.indent + 1 }, elem);
      });
      this.unprefixed(p, "]");
    } else if (isObject(v)) {
      if (Object.keys(v).length === 0) return this.write("{}");
      this.write("{\n");
      this.object({ ...p, indent: p.indent + 1 }, v);
      this.unprefixed(p, "}");
    } else this.primitive(p, v);
  }

  private primitive(p: Pen, v: unknown): void {
    if (isSecret(v)) this.write(SECRET_MASK);
    else if (isUnknown(v)) this.write("[unknown]");
    else if (!hasValue(v)) this.write("<null>");
    else if (typeof v === "boolean") this.write(String(v));
    else if (typeof v === "number") this.write(formatNumber(v));
    else if (isString(v)) {
      const decoded = decodeValue(v);
      if (!decoded) return this.write(goQuote(v));
      this.write(`(${decoded.kind}) `);
      this.value(p, decoded.value);
    } else this.write(JSON.stringify(v) ?? String(v));
  }

  objectDiff(p: Pen, diff: ObjectDiff, mark: (key: string) => string = () => ""): void {
    const keys = [...new Set([...diff.adds.keys(), ...diff.deletes.keys(), ...diff.sames.keys(), ...diff.updates.keys()])].sort();
    const align = maxKey(keys);
    for (const k of keys) {
      const from = this.text.length;
      this.objectPropertyDiff(p, k, align, diff);
      const marker = mark(k);
      const eol = this.text.indexOf("\n", from);
      if (marker && eol >= 0) this.text = this.text.slice(0, eol) + marker + this.text.slice(eol);
    }
  }

  private objectPropertyDiff(p: Pen, key: string, align: number, diff: ObjectDiff): void {
    const title = (q: Pen) => this.title(q, key, align);
    if (diff.adds.has(key)) this.add(p, diff.adds.get(key), title);
    else if (diff.deletes.has(key)) this.delete(p, diff.deletes.get(key), title);
    else if (diff.updates.has(key)) this.valueDiff(p, title, diff.updates.get(key)!);
    else if (shouldPrint(diff.sames.get(key))) this.objectProperty({ ...p, sign: " ", prefix: false }, key, diff.sames.get(key), align);
  }

  private add(p: Pen, v: unknown, title: (q: Pen) => void): void {
    const q: Pen = { ...p, sign: "+", prefix: true };
    title(q);
    this.value(q, v);
  }

  private delete(p: Pen, v: unknown, title: (q: Pen) => void): void {
    const q: Pen = { ...p, sign: "-", prefix: true };
    title(q);
    this.value(q, v);
  }

  valueDiff(pen: Pen, title: (q: Pen) => void, diff: ValueDiff): void {
    const p: Pen = { ...pen, sign: "~", prefix: true };
    if (diff.array) {
      title(p);
      this.write("[\n");
      const a = diff.array;
      for (let i = 0; i < a.length; i++) {
        const elem: Pen = { ...p, indent: p.indent + 2 };
        const elemTitle = (q: Pen) => this.indented({ ...q, indent: q.indent - 1 }, `[${i}]: `);
        if (a.adds.has(i)) this.add(elem, a.adds.get(i), elemTitle);
        else if (a.deletes.has(i)) this.delete(elem, a.deletes.get(i), elemTitle);
        else if (a.updates.has(i)) this.valueDiff(elem, elemTitle, a.updates.get(i)!);
        else if (a.sames.has(i)) {
          const same: Pen = { ...elem, sign: " ", prefix: false };
          elemTitle(same);
          this.value(same, a.sames.get(i));
        }
      }
      this.unprefixed(p, "]\n");
      return;
    }
    if (diff.object) {
      title(p);
      this.write("{\n");
      this.objectDiff({ ...p, indent: p.indent + 1 }, diff.object);
      this.unprefixed(p, "}\n");
      return;
    }
    const printOld = shouldPrint(diff.old);
    const printNew = shouldPrint(diff.new);
    if (printOld && printNew && isPrimitive(diff.old) && isPrimitive(diff.new)) {
      title(p);
      if (isString(diff.old) && isString(diff.new)) return this.textDiff(p, diff.old, diff.new);
      this.primitive({ ...p, sign: "-" }, diff.old);
      this.write(" => ");
      this.primitive({ ...p, sign: "+" }, diff.new);
      this.write("\n");
      return;
    }
    // Different types (or one side empty): a deletion line, then an addition line.
    if (printOld) this.delete(p, diff.old, title);
    if (printNew) this.add(p, diff.new, title);
  }

  private textDiff(p: Pen, oldText: string, newText: string): void {
    if (this.encodedValueDiff(p, oldText, newText)) return;
    if (!oldText.includes("\n") && !newText.includes("\n")) {
      this.write(`${goQuote(oldText)} => ${goQuote(newText)}\n`);
      return;
    }
    this.lineDiff({ ...p, indent: p.indent + 1 }, lineDiff(oldText, newText));
  }

  private encodedValueDiff(p: Pen, oldText: string, newText: string): boolean {
    const old = decodeValue(oldText);
    const next = old && decodeValue(newText);
    if (!old || !next) return false;
    if (deepEqual(old.value, next.value)) {
      this.textDiff(p, goQuote(oldText), goQuote(newText));
      return true;
    }
    this.write(old.kind === next.kind ? `(${old.kind}) ` : `(${old.kind} => ${next.kind}) `);
    const diff = valueDiff(old.value, next.value);
    if (diff) this.valueDiff(p, () => undefined, diff);
    else this.value({ ...p, sign: " " }, old.value);
    return true;
  }

  /** A multi-line string's changes, with two unchanged lines of context around each (object_diff.go, printLineDiff). */
  private lineDiff(p: Pen, chunks: LineChunk[]): void {
    this.write("\n");
    const line = (sign: LineChunk["sign"], text: string) => this.indented({ ...p, sign, prefix: sign !== " " }, text);
    const CONTEXT = 2;
    chunks.forEach((chunk, index) => {
      let lines = chunk.text.split("\n");
      const print = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          if (lines[i]!.trim() !== "") {
            line(chunk.sign, lines[i]!);
            this.write("\n");
          }
        }
      };
      if (chunk.sign !== " ") return print(0, lines.length);
      lines = lines.filter((l) => l.trim() !== "");
      if (index === 0 && lines.length > CONTEXT + 1) {
        line(" ", "...\n");
        return print(lines.length - CONTEXT, lines.length);
      }
      if (index > 0 && index === chunks.length - 1 && lines.length > CONTEXT + 1) {
        print(0, CONTEXT);
        return line(" ", "...\n");
      }
      if (index > 0 && index < chunks.length - 1 && lines.length > 2 * CONTEXT + 1) {
        print(0, CONTEXT);
        line(" ", "...\n");
        return print(lines.length - CONTEXT, lines.length);
      }
      print(0, lines.length);
    });
  }
}

/** The widest key, in bytes (object_diff.go, maxKey). */
function maxKey(keys: string[]): number {
  return keys.reduce((max, k) => Math.max(max, Buffer.byteLength(k)), 0);
}

/** Options of {@link formatPropertyDiff}. */
export interface PropertyDiffViewOptions {
  /** Indent level of the property lines (4 columns each); 2, as under a resource in `pulumi preview --diff`. */
  indent?: number;
  /** Top-level keys whose change forces a replacement: their first line ends with {@link FORCES_REPLACEMENT}. */
  replaceKeys?: string[];
}

/**
 * The property lines of a step's diff, as `pulumi preview --diff` prints them under the resource: with the
 * unchanged properties, or (`changedOnly`) the changed paths only. A diff without values (from an older result)
 * lists the changed keys only.
 */
export function formatPropertyDiff(diff: PropertyDiff, options: PropertyDiffViewOptions = {}): string {
  const indent = options.indent ?? 2;
  const replaceKeys = options.replaceKeys ?? [];
  const mark = (key: string) => (replaceKeys.includes(key) ? FORCES_REPLACEMENT : "");
  const view = new DiffText();
  const pen: Pen = { indent, sign: "~", prefix: true };
  if (!diff.old || !diff.new) {
    const signs: [Sign, string[]][] = [["+", diff.adds], ["-", diff.deletes], ["~", diff.updates]];
    for (const [sign, keys] of signs) for (const key of keys) view.line({ ...pen, sign }, key + mark(key));
    return view.text;
  }
  const changes = objectDiff(diff.old, diff.new);
  // Why all of the new properties when nothing shown changed: only hidden (internal) keys did, as the CLI shows it.
  if (!changes) view.object({ ...pen, sign: " " }, diff.new);
  else view.objectDiff(pen, diff.changedOnly ? withoutSames(changes) : changes, mark);
  return view.text;
}
