/**
 * `qemu-lab graph [--format mermaid|dot|html] [--file F]`: the stack's resources and their dependencies as a picture.
 */
import * as fs from "node:fs";
import { loadState } from "../driver/state-file";
import type { Command } from "./args";
import { CliError } from "./exit-codes";
import { renderGraph } from "./graph";
import type { CliIo } from "./io";
import { openWorkspace, resolveStack, stateFile } from "./workspace";
import { messageOf } from "../provider/host/runner/message-of";

/** Renders the selected stack's state; to `--file`, else to stdout. */
export function graphCommand(cmd: Extract<Command, { kind: "graph" }>, io: CliIo): void {
  const ws = openWorkspace(cmd.cwd);
  const stack = resolveStack(ws, cmd.stack);
  let text: string;
  try {
    text = renderGraph(loadState(stateFile(ws, stack), ws.project, stack, { programDir: ws.programDir }), cmd.format);
  } catch (err) {
    throw new CliError(messageOf(err));
  }
  if (cmd.file) fs.writeFileSync(cmd.file, text);
  else io.out(text.endsWith("\n") ? text : text + "\n");
}
