import { parseHelperFile } from "./helper-parse";
/**
 * bridge.conf as lines, lossless: parsing then rendering gives back the same text, so every foreign
 * line (odd whitespace, CRLF, comments, a missing final newline) is kept byte for byte.
 */
export interface ConfFile {
  /** Lines without their `\n` (a `\r` of CRLF files stays part of the line). */
  lines: string[];
  /** Whether the text ended with `\n`. */
  trailingNewline: boolean;
}

/** Split text into lines, remembering whether it ended with a newline. */
export function parseConf(text: string): ConfFile {
  if (text === "") return { lines: [], trailingNewline: true };
  const trailingNewline = text.endsWith("\n");
  const lines = (trailingNewline ? text.slice(0, -1) : text).split("\n");
  return { lines, trailingNewline };
}

/** Join lines back into text (inverse of {@link parseConf}). */
export function renderConf(conf: ConfFile): string {
  if (conf.lines.length === 0) return "";
  return conf.lines.join("\n") + (conf.trailingNewline ? "\n" : "");
}

/**
 * True when readText's UTF-8 decoding replaced bytes (U+FFFD): rewriting such a file would alter
 * foreign lines, so writers refuse.
 */
export function hasUndecodableBytes(text: string): boolean {
  return text.includes("\uFFFD");
}

/**
 * The file as it is, when it reads as a qemu-bridge-helper ACL; otherwise throws. Why: `confPath` is an input, and a
 * line must never be added to some other file (`/etc/sudoers` would get `allow br0`). Pure.
 */
export function asAclFile(conf: ConfFile, confPath: string): ConfFile {
  const error = parseHelperFile(renderConf(conf)).error;
  if (error)
    throw new Error(
      `${confPath} does not read as a qemu-bridge-helper ACL file (line ${error.line}: ${error.message}); refusing to add a line to it. ` +
        "fix: point confPath at a bridge.conf, or correct that line",
    );
  return conf;
}
