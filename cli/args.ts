/**
 * The command line → a {@link Command}: pure, with node's `util.parseArgs` (flags as the Pulumi CLI spells them).
 */
import { parseArgs, ParseArgsConfig } from "node:util";
import { CliError, EXIT } from "./exit-codes";
import { GRAPH_FORMATS, GraphFormat } from "./graph";

/** The four engine operations. */
export type OperationName = "preview" | "up" | "refresh" | "destroy";

/** Flags every command takes: where the project is and which stack. */
export interface Common {
  /** The folder with `Pulumi.yaml` (`--cwd`, default the working directory). */
  cwd: string;
  /** `--stack`/`-s`; default the selected stack. */
  stack?: string;
}

/** A parsed command line. */
export type Command =
  | ({
      kind: "operation";
      op: OperationName;
      yes: boolean;
      targets: string[];
      replaces: string[];
      refresh: boolean;
      parallel?: number;
      diff: boolean;
      json: boolean;
    } & Common)
  | ({ kind: "config-set"; key: string; value: string; secret: boolean } & Common)
  | ({ kind: "config-get"; key: string; json: boolean } & Common)
  | ({ kind: "stack-init"; name: string } & Common)
  | ({ kind: "stack-select"; name: string } & Common)
  | ({ kind: "stack-export"; file?: string; showSecrets: boolean } & Common)
  | ({ kind: "stack-import"; file?: string } & Common)
  | ({ kind: "stack-output"; name?: string; json: boolean; showSecrets: boolean } & Common)
  | ({ kind: "graph"; format: GraphFormat; file?: string } & Common)
  | { kind: "help"; topic?: string };

type Options = NonNullable<ParseArgsConfig["options"]>;

const COMMON: Options = {
  cwd: { type: "string", short: "C" },
  stack: { type: "string", short: "s" },
  help: { type: "boolean", short: "h" },
};

const OPERATION: Options = {
  ...COMMON,
  yes: { type: "boolean", short: "y" },
  target: { type: "string", short: "t", multiple: true },
  replace: { type: "string", multiple: true },
  refresh: { type: "boolean", short: "r" },
  parallel: { type: "string", short: "p" },
  diff: { type: "boolean" },
  json: { type: "boolean", short: "j" },
};

/** Usage text (`qemu-lab --help`). */
export const USAGE = `Usage: qemu-lab <command> [flags]

Commands:
  preview | up | refresh | destroy   run the engine on the selected stack
      [--yes] [--target URN]... [--replace URN]... [--refresh] [--parallel N] [--diff] [--json]
  config set [--secret] KEY VALUE    set a config value in Pulumi.<stack>.yaml
  config get KEY                     print a config value
  stack init NAME | stack select NAME
  stack export [--file F] [--show-secrets] | stack import [--file F]
  stack output [NAME] [--json] [--show-secrets]
  graph [--format mermaid|dot|html] [--file F]

Flags of every command: --cwd DIR (folder of Pulumi.yaml), --stack NAME (-s).
Secrets use PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE; state lives in $QEMU_LAB_BACKEND_DIR (default ~/.qemu-lab).
`;

function parse(argv: string[], options: Options, command: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Why not instanceof: parseArgs' TypeError may come from another realm (jest's VM context).
    throw new CliError(`${command}: ${(err as Error).message ?? String(err)}`, EXIT.configuration);
  }
}

function common(values: Record<string, unknown>): Common {
  return { cwd: typeof values.cwd === "string" ? values.cwd : process.cwd(), stack: typeof values.stack === "string" ? values.stack : undefined };
}

/** Fails like cobra's `ExactArgs` does: the command, how many it wants, how many it got. */
function arity(command: string, positionals: string[], min: number, max = min): void {
  if (positionals.length < min || positionals.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new CliError(`${command}: accepts ${want} arg(s), received ${positionals.length}`, EXIT.configuration);
  }
}

/** `--parallel N`: a positive integer. */
function parallelOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--parallel: ${JSON.stringify(value)} is not a positive integer`, EXIT.configuration);
  return n;
}

function graphFormat(value: unknown): GraphFormat {
  const format = value ?? "mermaid";
  if (!GRAPH_FORMATS.includes(format as GraphFormat)) {
    throw new CliError(`--format: ${JSON.stringify(format)} is not one of ${GRAPH_FORMATS.join(", ")}`, EXIT.configuration);
  }
  return format as GraphFormat;
}

/** Parses `qemu-lab` arguments (without `node` and the script). */
export function parseCommand(argv: string[]): Command {
  const [first, second] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") return { kind: "help" };
  switch (first) {
    case "preview":
    case "up":
    case "refresh":
    case "destroy": {
      const { values, positionals } = parse(argv.slice(1), OPERATION, first);
      if (values.help) return { kind: "help", topic: first };
      arity(first, positionals, 0);
      return {
        kind: "operation",
        op: first,
        ...common(values),
        yes: values.yes === true,
        targets: (values.target as string[] | undefined) ?? [],
        replaces: (values.replace as string[] | undefined) ?? [],
        refresh: values.refresh === true,
        parallel: parallelOf(values.parallel),
        diff: values.diff === true,
        json: values.json === true,
      };
    }
    case "config": {
      const rest = argv.slice(2);
      if (second === "set") {
        const { values, positionals } = parse(rest, { ...COMMON, secret: { type: "boolean" } }, "config set");
        if (values.help) return { kind: "help", topic: "config" };
        arity("config set", positionals, 2);
        return { kind: "config-set", ...common(values), key: positionals[0]!, value: positionals[1]!, secret: values.secret === true };
      }
      if (second === "get") {
        const { values, positionals } = parse(rest, { ...COMMON, json: { type: "boolean", short: "j" } }, "config get");
        if (values.help) return { kind: "help", topic: "config" };
        arity("config get", positionals, 1);
        return { kind: "config-get", ...common(values), key: positionals[0]!, json: values.json === true };
      }
      break;
    }
    case "stack": {
      const rest = argv.slice(2);
      if (second === "init" || second === "select") {
        const { values, positionals } = parse(rest, COMMON, `stack ${second}`);
        if (values.help) return { kind: "help", topic: "stack" };
        arity(`stack ${second}`, positionals, 0, 1);
        const name = positionals[0] ?? (typeof values.stack === "string" ? values.stack : undefined);
        if (!name) throw new CliError(`stack ${second}: a stack name is required (qemu-lab stack ${second} NAME)`, EXIT.configuration);
        return { kind: second === "init" ? "stack-init" : "stack-select", ...common(values), name };
      }
      if (second === "export") {
        const { values, positionals } = parse(rest, { ...COMMON, file: { type: "string" }, "show-secrets": { type: "boolean" } }, "stack export");
        if (values.help) return { kind: "help", topic: "stack" };
        arity("stack export", positionals, 0);
        return { kind: "stack-export", ...common(values), file: values.file as string | undefined, showSecrets: values["show-secrets"] === true };
      }
      if (second === "import") {
        const { values, positionals } = parse(rest, { ...COMMON, file: { type: "string" } }, "stack import");
        if (values.help) return { kind: "help", topic: "stack" };
        arity("stack import", positionals, 0);
        return { kind: "stack-import", ...common(values), file: values.file as string | undefined };
      }
      if (second === "output") {
        const { values, positionals } = parse(rest, { ...COMMON, json: { type: "boolean", short: "j" }, "show-secrets": { type: "boolean" } }, "stack output");
        if (values.help) return { kind: "help", topic: "stack" };
        arity("stack output", positionals, 0, 1);
        return { kind: "stack-output", ...common(values), name: positionals[0], json: values.json === true, showSecrets: values["show-secrets"] === true };
      }
      break;
    }
    case "graph": {
      const { values, positionals } = parse(argv.slice(1), { ...COMMON, format: { type: "string" }, file: { type: "string" } }, "graph");
      if (values.help) return { kind: "help", topic: "graph" };
      arity("graph", positionals, 0);
      return { kind: "graph", ...common(values), format: graphFormat(values.format), file: values.file as string | undefined };
    }
  }
  const what = [first, second].filter((s) => s !== undefined && !s.startsWith("-")).join(" ");
  throw new CliError(`unknown command "${what}" for "qemu-lab"\n\n${USAGE}`, EXIT.configuration);
}
