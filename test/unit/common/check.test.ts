import { UNKNOWN } from "../../../provider/resources/common/unknown";
import { testContext } from "../../support/provider-harness";
import { FakeRunner } from "../../support/fake-runner";
import { makeProvider } from "../../../provider/kinds";

describe("check", () => {
  const p = makeProvider("NetworkNamespace", testContext(new FakeRunner(true)));

  test.each([
    [{ name: "a/b" }, "name"],
    [{ name: "" }, "name"],
    [{ name: "x".repeat(65) }, "name"],
    [{ name: "ok", adopt: "yes" }, "adopt"],
    [{ name: "ok", bogus: 1 }, "(inputs)"],
  ])("rejects %j at %s, touching no host", async (news, property) => {
    const r = await p.check!({}, news);
    expect(r.failures?.map((f) => f.property)).toContain(property);
  });

  test("unknown values pass during preview", async () => {
    const r = await p.check!({}, { name: UNKNOWN });
    expect(r.failures).toEqual([]);
  });
});
