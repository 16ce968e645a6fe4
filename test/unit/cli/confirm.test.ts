/** The confirmation prompt: pulumi's question per operation, the answers it takes, and asking again on nonsense. */
import { PassThrough } from "node:stream";
import { ask, confirmPrompt, declinedMessage, parseAnswer } from "../../../cli/confirm";

describe("parseAnswer", () => {
  test.each([
    ["yes", "yes"],
    ["y", "yes"],
    ["YES\n", "yes"],
    ["no", "no"],
    ["n", "no"],
    ["", "no"],
    ["d", "details"],
    ["details", "details"],
    ["maybe", undefined],
    ["yess", undefined],
  ])("%j → %s", (text, answer) => expect(parseAnswer(text)).toBe(answer));
});

describe("confirmPrompt", () => {
  test.each([
    ["up", "Do you want to perform this update?"],
    ["destroy", "Do you want to perform this destroy?"],
    ["refresh", "Do you want to perform this refresh?\nNo resources will be modified as part of this refresh; just your stack's state will be."],
  ] as const)("%s", (op, prompt) => expect(confirmPrompt(op)).toBe(prompt));

  it("declining names the operation", () => expect(declinedMessage("up")).toBe("confirmation declined, not proceeding with the update"));
});

describe("ask", () => {
  async function answers(lines: string[]): Promise<{ answer: string; shown: string }> {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = "";
    output.on("data", (b: Buffer) => (shown += b.toString()));
    const pending = ask("Do you want to perform this update?", input, output);
    for (const l of lines) input.write(l + "\n");
    input.end();
    return { answer: await pending, shown };
  }

  it("asks again until the answer is a choice", async () => {
    const { answer, shown } = await answers(["perhaps", "y"]);
    expect(answer).toBe("yes");
    expect(shown).toBe(
      "Do you want to perform this update? [yes/no/details] (no): Please answer yes, no or details.\n" +
        "Do you want to perform this update? [yes/no/details] (no): ",
    );
  });

  it("end of input is no", async () => expect((await answers([])).answer).toBe("no"));
});
