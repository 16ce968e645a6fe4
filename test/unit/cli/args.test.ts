/** The command line → Command table: every command and flag the CLI documents, and pulumi's errors for bad ones. */
import { Command, parseCommand } from "../../../cli/args";
import { CliError, EXIT } from "../../../cli/exit-codes";

const cwd = process.cwd();
const op = { kind: "operation", cwd, stack: undefined, yes: false, targets: [], replaces: [], refresh: false, parallel: undefined, diff: false, json: false };

describe("parseCommand", () => {
  test.each<[string, Command]>([
    ["", { kind: "help" }],
    ["--help", { kind: "help" }],
    ["up --help", { kind: "help", topic: "up" }],
    ["preview", { ...op, op: "preview" } as Command],
    ["up --yes --cwd /p --stack dev", { ...op, op: "up", yes: true, cwd: "/p", stack: "dev" } as Command],
    ["up -y -s dev -C /p", { ...op, op: "up", yes: true, cwd: "/p", stack: "dev" } as Command],
    ["up --target u1 --target u2 -t u3 --replace r1", { ...op, op: "up", targets: ["u1", "u2", "u3"], replaces: ["r1"] } as Command],
    ["up --refresh --parallel 3 --diff", { ...op, op: "up", refresh: true, parallel: 3, diff: true } as Command],
    ["refresh --json --yes", { ...op, op: "refresh", json: true, yes: true } as Command],
    ["destroy -p 1", { ...op, op: "destroy", parallel: 1 } as Command],
    ["config set mtu 1500", { kind: "config-set", cwd, stack: undefined, key: "mtu", value: "1500", secret: false }],
    ["config set --secret token s3 --stack dev", { kind: "config-set", cwd, stack: "dev", key: "token", value: "s3", secret: true }],
    ["config get token", { kind: "config-get", cwd, stack: undefined, key: "token", json: false }],
    ["stack init dev", { kind: "stack-init", cwd, stack: undefined, name: "dev" }],
    ["stack init --stack dev", { kind: "stack-init", cwd, stack: "dev", name: "dev" }],
    ["stack select prod --cwd /p", { kind: "stack-select", cwd: "/p", stack: undefined, name: "prod" }],
    ["stack export", { kind: "stack-export", cwd, stack: undefined, file: undefined, showSecrets: false }],
    ["stack export --file f.json --show-secrets", { kind: "stack-export", cwd, stack: undefined, file: "f.json", showSecrets: true }],
    ["stack import --file f.json", { kind: "stack-import", cwd, stack: undefined, file: "f.json" }],
    ["stack output", { kind: "stack-output", cwd, stack: undefined, name: undefined, json: false, showSecrets: false }],
    ["stack output token --json --show-secrets", { kind: "stack-output", cwd, stack: undefined, name: "token", json: true, showSecrets: true }],
    ["graph", { kind: "graph", cwd, stack: undefined, format: "mermaid", file: undefined }],
    ["graph --format html --file g.html", { kind: "graph", cwd, stack: undefined, format: "html", file: "g.html" }],
  ])("%s", (line, expected) => {
    expect(parseCommand(line.split(" ").filter(Boolean))).toEqual(expected);
  });

  test.each<[string, RegExp]>([
    ["up --bogus", /up: Unknown option '--bogus'/],
    ["up extra", /up: accepts 0 arg\(s\), received 1/],
    ["up --parallel 0", /--parallel: "0" is not a positive integer/],
    ["up --parallel x", /--parallel: "x" is not a positive integer/],
    ["config set onlykey", /config set: accepts 2 arg\(s\), received 1/],
    ["config get", /config get: accepts 1 arg\(s\), received 0/],
    ["stack init", /stack init: a stack name is required/],
    ["stack output a b", /stack output: accepts 0 to 1 arg\(s\), received 2/],
    ["graph --format svg", /--format: "svg" is not one of mermaid, dot, html/],
    ["frobnicate", /unknown command "frobnicate" for "qemu-lab"/],
    ["stack rm dev", /unknown command "stack rm" for "qemu-lab"/],
  ])("%s fails with a usage error (exit 2)", (line, message) => {
    let error: unknown;
    try {
      parseCommand(line.split(" "));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(message);
    expect((error as CliError).code).toBe(EXIT.configuration);
  });
});
