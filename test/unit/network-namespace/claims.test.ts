import { claimedBy, NETNS_CLAIMS_DIR } from "../../../provider/host/netns/netns-claims";
import type { HostFiles } from "../../../provider/host/files/types";

/** A claim file and a /run/netns entry with a given change time. */
function files(claim: object | string | undefined, madeMs: number | undefined): HostFiles {
  return {
    readText: async (p: string) => (p === `${NETNS_CLAIMS_DIR}/lab` && claim !== undefined ? (typeof claim === "string" ? claim : JSON.stringify(claim)) : undefined),
    stat: async (p: string) => (p === "/run/netns/lab" && madeMs !== undefined ? { mode: 0o100444, uid: 0, ctimeMs: madeMs } : undefined),
  } as unknown as HostFiles;
}

const T = 1_796_218_547_909;
test.each<[string, object | string | undefined, number | undefined, boolean]>([
  ["our claim, namespace made 0.5 s later", { owner: "me", atMs: T }, T + 500, true],
  ["our claim, made in the same second (ctime has 1 s resolution)", { owner: "me", atMs: T }, Math.floor(T / 1000) * 1000, true],
  ["our claim, but the namespace appeared 2 minutes later (a stale claim never adopts)", { owner: "me", atMs: T }, T + 120_000, false],
  ["our claim, but the namespace is older than the claim", { owner: "me", atMs: T }, T - 5_000, false],
  ["another owner's claim", { owner: "them", atMs: T }, T + 500, false],
  ["no claim", undefined, T + 500, false],
  ["a corrupt claim", "{not json", T + 500, false],
  ["no namespace", { owner: "me", atMs: T }, undefined, false],
])("%s → %s", async (_n, claim, made, expected) => {
  expect(await claimedBy(files(claim, made), "lab", "me")).toBe(expected);
});
