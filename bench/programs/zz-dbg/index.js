const pulumi = require("@pulumi/pulumi");
const { providerShim } = require("pulumi-qemu-lab/dist/sdk/shim.js".replace("pulumi-qemu-lab", "../../.."));
const sdk = require("../../../dist/sdk/network-namespace.js");
console.log("start");
const t = Date.now();
const r = new sdk.NetworkNamespace("lab", { name: "x" });
console.log("constructed", Date.now() - t);
r.urn.apply(u => console.log("urn", Date.now() - t));
