/** StackState ↔ checkpoint deployment v3: exact shapes, round trips, a real CLI export, and what is refused. */
import {
  defaultProviderUrn,
  fromDeployment,
  makeSecret,
  PassphraseCrypter,
  SECRET_SIG,
  SIG_KEY,
  toDeployment,
  toDeploymentText,
  UntypedDeploymentV3,
  ValueCrypter,
} from "../../../driver/checkpoint";
import type { ResourceState, StackState } from "../../../driver/types";

const stub: ValueCrypter & { encryptionSalt: string } = {
  encryptionSalt: "v1:c2FsdA==:v1:stub",
  encrypt: (s) => `enc(${s})`,
  decrypt: (s) => /^enc\((.*)\)$/s.exec(s)![1],
};
const sealed = (ciphertext: string) => ({ [SIG_KEY]: SECRET_SIG, ciphertext });
const STACK_URN = "urn:pulumi:dev::lab::pulumi:pulumi:Stack::lab-dev";
const GROUP_URN = "urn:pulumi:dev::lab::files:index:Group::g";
const NOTE_URN = "urn:pulumi:dev::lab::files:index:Group$pulumi-nodejs:dynamic/files:FileObject::a";
const PROVIDER_URN = "urn:pulumi:dev::lab::pulumi:providers:pulumi-nodejs::default";
const TIME = new Date("2026-01-02T03:04:05.000Z");

function stateOf(resources: ResourceState[]): StackState {
  return { version: 1, project: "lab", stack: "dev", resources };
}
const root: ResourceState = { urn: STACK_URN, type: "pulumi:pulumi:Stack", custom: false, inputs: {}, outputs: { token: makeSecret("pw"), n: 1 }, dependencies: [], propertyDependencies: {} };
const group: ResourceState = { urn: GROUP_URN, type: "files:index:Group", custom: false, inputs: {}, outputs: { label: "group g" }, parent: STACK_URN, dependencies: [], propertyDependencies: {}, created: "2026-01-01T00:00:00.000Z" };
const note: ResourceState = {
  urn: NOTE_URN,
  type: "pulumi-nodejs:dynamic/files:FileObject",
  custom: true,
  id: "a-1",
  inputs: { __provider: "exports.handler = …", content: makeSecret("s3cr3t"), name: "a" },
  outputs: { __provider: "exports.handler = …", content: makeSecret("s3cr3t"), name: "a", path: "/x/a-1" },
  parent: GROUP_URN,
  dependencies: [GROUP_URN],
  propertyDependencies: { content: [GROUP_URN], name: [] },
  protect: true,
  retainOnDelete: true,
  ignoreChanges: ["tag"],
  initErrors: ["unhealthy"],
  created: "2026-01-01T00:00:00.000Z",
  modified: "2026-01-01T00:00:01.000Z",
};

describe("toDeployment", () => {
  const d = toDeployment(stateOf([root, group, note]), { crypter: stub, time: TIME, providerConfig: { "lab:root": "/x", "lab:pw": makeSecret("p") } });
  const providerRef = `${PROVIDER_URN}::${d.deployment.resources![1].id!}`;

  it("writes the manifest with Pulumi's magic (sha256 of the version) and the passphrase secrets provider", () => {
    expect(d.version).toBe(3);
    expect(d.deployment.manifest).toEqual({ time: "2026-01-02T03:04:05.000Z", magic: "1c72415da0837d6b54e4fd59aa49d86e7a984759e60a944fc9ff1c8042addcfe", version: "v3.248.0" });
    expect(d.deployment.secrets_providers).toEqual({ type: "passphrase", state: { salt: stub.encryptionSalt } });
    expect(d.deployment.pending_operations).toBeUndefined();
  });

  it("puts the default provider right after the root stack, with the config as inputs and outputs", () => {
    expect(d.deployment.resources!.map((r) => r.urn)).toEqual([STACK_URN, PROVIDER_URN, GROUP_URN, NOTE_URN]);
    expect(d.deployment.resources![1]).toEqual({
      urn: PROVIDER_URN,
      custom: true,
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      type: "pulumi:providers:pulumi-nodejs",
      inputs: { "lab:root": "/x", "lab:pw": sealed('enc("p")') },
      outputs: { "lab:root": "/x", "lab:pw": sealed('enc("p")') },
    });
  });

  it("keeps the provider ID stable between conversions", () => {
    expect(toDeployment(stateOf([root, note]), { crypter: stub }).deployment.resources![1].id).toBe(d.deployment.resources![1].id);
  });

  it("writes every resource in ResourceV3 form, secrets encrypted, empty fields left out", () => {
    expect(d.deployment.resources![0]).toEqual({ urn: STACK_URN, custom: false, type: "pulumi:pulumi:Stack", outputs: { token: sealed('enc("pw")'), n: 1 } });
    expect(d.deployment.resources![2]).toEqual({ urn: GROUP_URN, custom: false, type: "files:index:Group", outputs: { label: "group g" }, parent: STACK_URN, created: "2026-01-01T00:00:00.000Z" });
    expect(d.deployment.resources![3]).toEqual({
      urn: NOTE_URN,
      custom: true,
      id: "a-1",
      type: "pulumi-nodejs:dynamic/files:FileObject",
      inputs: { __provider: "exports.handler = …", content: sealed('enc("s3cr3t")'), name: "a" },
      outputs: { __provider: "exports.handler = …", content: sealed('enc("s3cr3t")'), name: "a", path: "/x/a-1" },
      parent: GROUP_URN,
      protect: true,
      dependencies: [GROUP_URN],
      initErrors: ["unhealthy"],
      provider: providerRef,
      propertyDependencies: { content: [GROUP_URN], name: [] },
      retainOnDelete: true,
      created: "2026-01-01T00:00:00.000Z",
      modified: "2026-01-01T00:00:01.000Z",
      ignoreChanges: ["tag"],
    });
    expect(Object.keys(d.deployment.resources![3])).toEqual(["urn", "custom", "id", "type", "inputs", "outputs", "parent", "protect", "dependencies", "initErrors", "provider", "propertyDependencies", "retainOnDelete", "created", "modified", "ignoreChanges"]);
  });

  it("adds no provider to a stack of components only, and writes no resources for an empty stack", () => {
    expect(toDeployment(stateOf([root, group]), { crypter: stub }).deployment.resources!.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack", "files:index:Group"]);
    expect(toDeployment(stateOf([]), { crypter: stub }).deployment.resources).toBeUndefined();
  });

  it("names the default provider by the type's package", () => {
    expect(defaultProviderUrn("s", "p", "pulumi-nodejs:dynamic/x:Y")).toBe("urn:pulumi:s::p::pulumi:providers:pulumi-nodejs::default");
  });
});

describe("fromDeployment", () => {
  it.each([
    ["root, component and dynamic resource", [root, group, note]],
    ["a pending delete of a replaced resource", [root, { ...note, delete: true }, { ...note, id: "a-2" }]],
    ["a resource without a root stack", [note]],
    ["no resources", []],
  ])("round-trips %s", (_what, resources) => {
    const state = stateOf(resources as ResourceState[]);
    const back = fromDeployment(toDeployment(state, { crypter: stub }), stub, "lab", "dev");
    expect(back.state).toEqual(state);
    expect(back.dropped).toEqual([]);
    expect(back.encryptionSalt).toBe(stub.encryptionSalt);
  });

  it("drops deleteBeforeReplace, which a checkpoint does not record (the program re-registers it)", () => {
    const back = fromDeployment(toDeployment(stateOf([{ ...note, deleteBeforeReplace: true }]), { crypter: stub }), stub, "lab", "dev");
    expect(back.state.resources[0].deleteBeforeReplace).toBeUndefined();
  });

  it.each(["creating", "updating", "deleting", "reading"] as const)("round-trips a pending operation (%s)", (type) => {
    const d = toDeployment(stateOf([root]), { crypter: stub, pendingOperations: [{ resource: note, type }] });
    expect(d.deployment.pending_operations).toEqual([{ resource: expect.objectContaining({ urn: NOTE_URN, provider: expect.stringMatching(/^urn:pulumi:dev::lab::pulumi:providers:pulumi-nodejs::default::/) }), type }]);
    expect(d.deployment.resources!.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack", "pulumi:providers:pulumi-nodejs"]);
    expect(fromDeployment(d, stub, "lab", "dev").pendingOperations).toEqual([{ resource: note, type }]);
  });

  it("returns the default providers, and toDeployment reuses their ID and inputs", () => {
    const d = toDeployment(stateOf([root, note]), { crypter: stub, providerConfig: { "lab:k": "v" } });
    const back = fromDeployment(d, stub, "lab", "dev");
    expect(back.providers).toEqual([expect.objectContaining({ urn: PROVIDER_URN, inputs: { "lab:k": "v" } })]);
    const again = toDeployment(back.state, { crypter: stub, providers: [{ ...back.providers[0], id: "kept-id" }] });
    expect(again.deployment.resources![1]).toMatchObject({ id: "kept-id", inputs: { "lab:k": "v" } });
    expect(again.deployment.resources![2].provider).toBe(`${PROVIDER_URN}::kept-id`);
  });

  it("reports fields it has no place for, but not the cosmetic source positions", () => {
    const d = toDeployment(stateOf([root, note]), { crypter: stub });
    Object.assign(d.deployment.resources![2], { taint: true, aliases: ["urn:old"], external: false, sourcePosition: "project:///index.js#1,1", stackTrace: [{}] });
    expect(fromDeployment(d, stub, "lab", "dev").dropped).toEqual([`${NOTE_URN}: aliases, taint`]);
  });

  it("names the resource and the fix when a secret cannot be decrypted", () => {
    const d = toDeployment(stateOf([root, note]), { crypter: stub });
    expect(() => fromDeployment(d, undefined, "lab", "dev")).toThrow(
      `checkpoint resource ${STACK_URN} outputs: the checkpoint holds an encrypted secret and there is no passphrase to decrypt it: set PULUMI_CONFIG_PASSPHRASE to the stack's passphrase`,
    );
  });

  it.each<[string, (d: UntypedDeploymentV3) => void, RegExp]>([
    ["another stack", (d) => void (d.deployment.resources![0].urn = "urn:pulumi:prod::lab::pulumi:pulumi:Stack::lab-prod"), /is not of stack lab\/dev/],
    ["another secrets provider", (d) => void (d.deployment.secrets_providers = { type: "awskms", state: {} }), /secrets provider "awskms" is not supported/],
    ["an explicit provider", (d) => void (d.deployment.resources![2].provider = "urn:pulumi:dev::lab::pulumi:providers:pulumi-nodejs::mine::id1"), /uses the explicit provider .*::mine::id1/],
    ["another version", (d) => void ((d as { version: number }).version = 4), /unsupported checkpoint version 4/],
  ])("refuses a checkpoint of %s", (_what, spoil, message) => {
    const d = toDeployment(stateOf([root, note]), { crypter: stub });
    spoil(d);
    expect(() => fromDeployment(d, stub, "lab", "dev")).toThrow(message);
  });
});

describe("a checkpoint exported by the real CLI (v3.248.0)", () => {
  // `pulumi stack export` after `pulumi up` of a one-resource dynamic program with a secret config value
  // (PULUMI_CONFIG_PASSPHRASE=fixed-pass); only the long `__provider` closure text is shortened.
  const EXPORTED: UntypedDeploymentV3 = {
    version: 3,
    deployment: {
      manifest: { time: "2026-12-02T15:46:12.448170226Z", magic: "1c72415da0837d6b54e4fd59aa49d86e7a984759e60a944fc9ff1c8042addcfe", version: "v3.248.0" },
      secrets_providers: { type: "passphrase", state: { salt: "v1:fmPLJD4H5Ws=:v1:kJsb4Zm0ELI1fRLq:8VGhge8xNu/ef9miqddZlywsgwrIUA==" } },
      resources: [
        {
          urn: "urn:pulumi:dev::cp-lab::pulumi:pulumi:Stack::cp-lab-dev",
          custom: false,
          type: "pulumi:pulumi:Stack",
          outputs: { label: "plain", token: sealed("v1:ZSSX9hcIRBa3qsO5:ym9TpPeg5+du9P+NnQFEv6Pk0ashXZ2OlXkyf1qf") },
          created: "2026-12-02T15:46:10.707685001Z",
          modified: "2026-12-02T15:46:10.707685001Z",
          sourcePosition: "project:///../../../work/main/node_modules/@pulumi/runtime/stack.ts#37,19",
        },
        {
          urn: "urn:pulumi:dev::cp-lab::pulumi:providers:pulumi-nodejs::default",
          custom: true,
          id: "82e52bbf-f8d0-48af-bb9b-1945e2448fc2",
          type: "pulumi:providers:pulumi-nodejs",
          inputs: { "cp-lab:token": sealed("v1:U2yfqfoySZsCGocR:j75E1A/tKz0ryHc1kAwz4Azpct4Jh92kh9WtteMU") },
          outputs: { "cp-lab:token": sealed("v1:O28jsbc98St4hE0m:VGaDOqU8OpRI2b/Loy/RUqrO+tSCD17VS92cYJyT") },
          created: "2026-12-02T15:46:12.380499172Z",
          modified: "2026-12-02T15:46:12.380499172Z",
        },
        {
          urn: "urn:pulumi:dev::cp-lab::pulumi-nodejs:dynamic/cp:Note::note",
          custom: true,
          id: "note-1",
          type: "pulumi-nodejs:dynamic/cp:Note",
          inputs: { __provider: "exports.handler = __f0;…", label: "plain", text: sealed("v1:4D9i5XpttJL0miqK:65IbJpLZJhx5vciqp4F74EQBJO4N7rlHTsmUYTCV") },
          outputs: { __provider: "exports.handler = __f0;…", label: "plain", text: sealed("v1:6QnHUQgGoLw5d2mh:ZDMn7tU9cn80QtEczTLkj5OZPkDz5KoAXfJnTTsq") },
          parent: "urn:pulumi:dev::cp-lab::pulumi:pulumi:Stack::cp-lab-dev",
          provider: "urn:pulumi:dev::cp-lab::pulumi:providers:pulumi-nodejs::default::82e52bbf-f8d0-48af-bb9b-1945e2448fc2",
          propertyDependencies: { __provider: [], label: [], text: [] },
          created: "2026-12-02T15:46:12.407365296Z",
          modified: "2026-12-02T15:46:12.407365296Z",
          sourcePosition: "project:///index.js#9,35",
          stackTrace: [{ sourcePosition: "project:///index.js#9,35" }, {}],
        },
      ],
      metadata: {},
    },
  };

  it("converts to the driver's state with every secret decrypted", async () => {
    const crypter = await PassphraseCrypter.open("fixed-pass", EXPORTED.deployment.secrets_providers!.state!.salt!);
    const got = fromDeployment(EXPORTED, crypter, "cp-lab", "dev");
    expect(got.dropped).toEqual([]);
    expect(got.state.resources).toEqual([
      { urn: "urn:pulumi:dev::cp-lab::pulumi:pulumi:Stack::cp-lab-dev", type: "pulumi:pulumi:Stack", custom: false, inputs: {}, outputs: { label: "plain", token: makeSecret("s3cr3t-value") }, dependencies: [], propertyDependencies: {}, created: "2026-12-02T15:46:10.707685001Z", modified: "2026-12-02T15:46:10.707685001Z" },
      {
        urn: "urn:pulumi:dev::cp-lab::pulumi-nodejs:dynamic/cp:Note::note",
        type: "pulumi-nodejs:dynamic/cp:Note",
        custom: true,
        id: "note-1",
        inputs: { __provider: "exports.handler = __f0;…", label: "plain", text: makeSecret("s3cr3t-value") },
        outputs: { __provider: "exports.handler = __f0;…", label: "plain", text: makeSecret("s3cr3t-value") },
        parent: "urn:pulumi:dev::cp-lab::pulumi:pulumi:Stack::cp-lab-dev",
        dependencies: [],
        propertyDependencies: { __provider: [], label: [], text: [] },
        created: "2026-12-02T15:46:12.407365296Z",
        modified: "2026-12-02T15:46:12.407365296Z",
      },
    ]);
    expect(got.providers.map((p) => [p.id, p.inputs])).toEqual([["82e52bbf-f8d0-48af-bb9b-1945e2448fc2", { "cp-lab:token": makeSecret("s3cr3t-value") }]]);
  });

  it("converts back to the same resources (except source positions), keeping the provider", async () => {
    const crypter = await PassphraseCrypter.open("fixed-pass", EXPORTED.deployment.secrets_providers!.state!.salt!);
    const got = fromDeployment(EXPORTED, crypter, "cp-lab", "dev");
    const back = toDeployment(got.state, { crypter, providers: got.providers, time: TIME });
    const strip = (r: Record<string, unknown>) => {
      const { sourcePosition: _s, stackTrace: _t, ...rest } = r;
      return fromDeployment({ version: 3, deployment: { manifest: EXPORTED.deployment.manifest, resources: [rest as never] } }, crypter, "cp-lab", "dev");
    };
    expect(back.deployment.resources!.map((r) => r.urn)).toEqual(EXPORTED.deployment.resources!.map((r) => r.urn));
    expect(back.deployment.resources![2].provider).toBe(EXPORTED.deployment.resources![2].provider);
    back.deployment.resources!.forEach((r, i) => expect(strip(r)).toEqual(strip(EXPORTED.deployment.resources![i])));
  });

  it("refuses the wrong passphrase before touching a secret", async () => {
    await expect(PassphraseCrypter.open("not-it", EXPORTED.deployment.secrets_providers!.state!.salt!)).rejects.toThrow(/PULUMI_CONFIG_PASSPHRASE/);
  });
});

describe("toDeploymentText", () => {
  const counting = () => {
    const calls: string[] = [];
    const c: ValueCrypter & { encryptionSalt: string } = { ...stub, encrypt: (s) => (calls.push(s), stub.encrypt(s)) };
    return { c, calls };
  };
  const pendingOp = { resource: { ...note, id: undefined }, type: "creating" as const };

  test("prints exactly what JSON.stringify(toDeployment(…), null, 4) prints (resources, providers, pending operations)", () => {
    const state = stateOf([root, group, note]);
    const options = { crypter: stub, time: TIME, providerConfig: { "lab:pw": makeSecret("p") }, pendingOperations: [pendingOp] };
    expect(toDeploymentText(state, options)).toBe(JSON.stringify(toDeployment(state, options), null, 4));
    expect(toDeploymentText(stateOf([]), { crypter: stub, time: TIME })).toBe(JSON.stringify(toDeployment(stateOf([]), { crypter: stub, time: TIME }), null, 4));
  });

  test("converts only entries it has not printed before with the same crypter: a replaced entry is converted again", () => {
    const { c, calls } = counting();
    const n1 = { ...note };
    toDeploymentText(stateOf([root, group, n1]), { crypter: c, time: TIME });
    expect(calls).toEqual(['"pw"', '"s3cr3t"', '"s3cr3t"']); // plaintexts are JSON-encoded before encryption
    calls.length = 0;
    const n2 = { ...note, outputs: { ...note.outputs, content: makeSecret("n3w") } };
    const text = toDeploymentText(stateOf([root, group, n2]), { crypter: c, time: TIME });
    expect(calls).toEqual(['"s3cr3t"', '"n3w"']); // only the replaced entry
    expect(text).toContain('enc(\\"n3w\\")');
    calls.length = 0;
    const other = counting();
    toDeploymentText(stateOf([root, group, n2]), { crypter: other.c, time: TIME });
    expect(other.calls).toHaveLength(3); // another crypter (a new salt): everything again
  });
});
