import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../../..");

/**
 * Transpile repository TypeScript files (relative imports among themselves, node builtins and installed packages)
 * to CommonJS in a temp dir under node_modules/.cache, keeping their layout, so a child `node` process can load the
 * same code the test exercises and resolve the packages it imports. Returns the temp root; remove it when done.
 */
export function compileForChild(relFiles: string[]): string {
  const cache = path.join(ROOT, "node_modules", ".cache");
  fs.mkdirSync(cache, { recursive: true });
  const out = fs.mkdtempSync(path.join(cache, "qlab-child-"));
  for (const rel of relFiles) {
    const src = fs.readFileSync(path.join(ROOT, rel), "utf8");
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
    const dest = path.join(out, rel.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, js);
  }
  return out;
}
