/**
 * Layer rules (npm run lint): imports only go down — sdk → provider/resources → provider/host → runner — and no
 * module takes part in an import cycle. The lazy require()s of provider/kinds.ts count as imports too.
 */
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", comment: "A cycle makes load order matter and layers meaningless.", from: {}, to: { circular: true } },
    {
      name: "host-knows-no-pulumi",
      severity: "error",
      comment: "provider/host runs commands on a host; it knows nothing of Pulumi or of resources.",
      from: { path: "^provider/host/" },
      to: { path: ["^provider/(resources|dynamic)/", "^provider/(kinds|index)\\.ts$", "^sdk/", "^driver/", "@pulumi/pulumi"] },
    },
    {
      name: "resources-do-not-know-the-adapter",
      severity: "error",
      comment: "A resource kind is schema + diff + lifecycle; only provider/kinds.ts wires it to the dynamic adapter.",
      from: { path: "^provider/resources/" },
      to: { path: ["^provider/dynamic/", "^provider/(kinds|index)\\.ts$", "^sdk/", "^driver/"] },
    },
    {
      name: "provider-does-not-import-sdk-or-driver",
      severity: "error",
      comment: "The provider is loaded in the provider process by the shim; it never reaches back up.",
      from: { path: "^provider/" },
      to: { path: ["^sdk/", "^driver/", "^cli/", "^demo/", "^bench/"] },
    },
    {
      name: "sdk-does-not-import-driver",
      severity: "error",
      comment: "Users import sdk/; the lifecycle driver is a tool beside it.",
      from: { path: "^sdk/" },
      to: { path: ["^driver/", "^cli/", "^demo/", "^bench/"] },
    },
    {
      name: "driver-does-not-import-cli",
      severity: "error",
      comment: "The qemu-lab command is a front end on the lifecycle driver; the driver is also used without it.",
      from: { path: "^driver/" },
      to: { path: ["^cli/"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    exclude: { path: ["^dist/", "^bench/\\.out/"] },
  },
};
