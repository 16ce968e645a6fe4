/** The pure parts of the driver's secrets handling and pending-operation warning, against the engine's rules. */
import { makeSecret } from "../../../driver/checkpoint";
import { pendingOperationsWarning } from "../../../driver/pending";
import { formatValue } from "../../../driver/printer";
import { addSecretFilter, annotateSecrets, filterSecrets, markSecretConfig, revealSecrets } from "../../../driver/secrets";
import { UNKNOWN } from "../../../driver/rpc";

const S = makeSecret;

describe("annotateSecrets (the engine's rule for a provider without secrets support, provider_plugin.go:900-928)", () => {
  test.each([
    ["a secret input makes the same-named output secret", { a: "x", b: 1 }, { a: S("x") }, { a: S("x"), b: 1 }],
    ["other keys stay plain", { length: 5 }, { password: S("x") }, { length: 5 }],
    ["an output already secret is kept", { a: S("y") }, { a: S("x") }, { a: S("y") }],
    ["objects on both sides: recurse instead of hiding the whole object", { o: { p: "1", q: "2" } }, { o: { p: S("1"), q: "2" } }, { o: { p: S("1"), q: "2" } }],
    ["an array with a secret element: the whole output array is secret", { l: ["a", "b"] }, { l: [S("a"), "b"] }, { l: S(["a", "b"]) }],
    ["a secret nested in an input object, output not an object: the output is secret", { o: "flat" }, { o: { p: S("1") } }, { o: S("flat") }],
    ["an input key missing from the outputs adds nothing", {}, { a: S("x") }, {}],
  ])("%s", (_what, outs: Record<string, unknown>, ins: Record<string, unknown>, expected: Record<string, unknown>) => {
    annotateSecrets(outs, ins);
    expect(outs).toEqual(expected);
  });
});

describe("revealSecrets (what a provider with acceptSecrets: false receives)", () => {
  test.each([
    [{ a: S("x"), b: [S(1), { c: S({ d: S("e") }) }] }, { a: "x", b: [1, { c: { d: "e" } }] }],
    [{ u: UNKNOWN }, { u: UNKNOWN }],
  ])("%j → %j", (value, expected) => expect(revealSecrets(value)).toEqual(expected));
});

describe("formatValue: secrets print as [secret], unknowns as [unknown]", () => {
  test.each([
    [S("hunter2"), "[secret]"],
    [{ user: "admin", pass: S("p") }, '{"user":"admin","pass":[secret]}'],
    [[S(1), UNKNOWN], "[[secret],[unknown]]"],
    ["[secret]", '"[secret]"'], // a plain string that merely says so stays a string
  ])("%j → %s", (value, text) => expect(formatValue(value)).toBe(text));
});

describe("filterSecrets (the engine's logging.FilterString, log.go:446-500)", () => {
  addSecretFilter(["pa$$word-1", 'quo"te', "ab", "true"]);
  test.each([
    ["password=pa$$word-1 set", "password=[secret] set"],
    ['json {"v":"quo\\"te"}', 'json {"v":"[secret]"}'], // the JSON-escaped form too
    ["ab and true are too short or too common to filter", "ab and true are too short or too common to filter"],
  ])("%s", (text, expected) => expect(filterSecrets(text)).toBe(expected));

  it("markSecretConfig wraps the secret keys and registers their values", () => {
    expect(markSecretConfig({ "p:token": "tok-123", "p:root": "/tmp" }, ["p:token"])).toEqual({ "p:token": S("tok-123"), "p:root": "/tmp" });
    expect(filterSecrets("token tok-123")).toBe("token [secret]");
  });
});

describe("pendingOperationsWarning (deployment_executor.go:90-114)", () => {
  const op = (urn: string, type: "creating" | "updating" | "deleting") => ({ resource: { urn, type: "t", custom: true, inputs: {}, outputs: {}, dependencies: [], propertyDependencies: {} }, type });
  it("none: no warning", () => expect(pendingOperationsWarning([])).toBeUndefined());
  it("the engine's text, one line per operation", () => {
    expect(pendingOperationsWarning([op("urn:a", "creating"), op("urn:b", "deleting")])).toBe(
      "Attempting to deploy or update resources with 2 pending operations from previous deployment.\n" +
        "  * urn:a, interrupted while creating\n" +
        "  * urn:b, interrupted while deleting\n" +
        "These resources are in an unknown state because the Pulumi CLI was interrupted while waiting for changes to these " +
        "resources to complete. You should confirm whether or not the operations listed completed successfully by checking the " +
        "state of the appropriate provider. For example, if you are using AWS, you can confirm using the AWS Console.\n\n" +
        "Once you have confirmed the status of the interrupted operations, you can repair your stack using `pulumi refresh` " +
        "which will refresh the state from the provider you are using and clear the pending operations if there are any.\n\n" +
        "Note that `pulumi refresh` will need to be run interactively to clear pending CREATE operations.",
    );
  });
});
