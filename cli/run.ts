/**
 * The `qemu-lab` command: parses the arguments, runs the command, and maps failures to pulumi's `error: …` line
 * and exit codes (see exit-codes.ts).
 */
import { parseCommand, USAGE } from "./args";
import { configGet, configSet } from "./config-command";
import { CliError, EXIT } from "./exit-codes";
import { graphCommand } from "./graph-command";
import type { CliIo } from "./io";
import { operationCommand } from "./operation-command";
import { stackExport, stackImport, stackInit, stackOutput, stackSelect } from "./stack-command";

/** Runs one command line; resolves with the exit code (never throws). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const cmd = parseCommand(argv);
    switch (cmd.kind) {
      case "help":
        io.out(USAGE);
        break;
      case "operation":
        await operationCommand(cmd, io);
        break;
      case "config-set":
        configSet(cmd);
        break;
      case "config-get":
        configGet(cmd, io);
        break;
      case "stack-init":
        stackInit(cmd, io);
        break;
      case "stack-select":
        stackSelect(cmd);
        break;
      case "stack-export":
        stackExport(cmd, io);
        break;
      case "stack-import":
        await stackImport(cmd, io);
        break;
      case "stack-output":
        stackOutput(cmd, io);
        break;
      case "graph":
        graphCommand(cmd, io);
        break;
    }
    return EXIT.success;
  } catch (err) {
    if (err instanceof CliError) {
      if (err.message) io.err(`error: ${err.message}\n`);
      return err.code;
    }
    io.err(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.error;
  }
}
