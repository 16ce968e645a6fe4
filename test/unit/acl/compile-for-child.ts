import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../../..");

/**
 * Transpile repository TypeScript files (relative imports among themselves, node builtins only) to
 * CommonJS in a temp dir, keeping their layout, so a child `node` process can load the same code
 * the test exercises. Returns the temp root; remove it when done.
 */
export function compileForChild(relFiles: string[]): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-child-"));
  for (const rel of relFiles) {
    const src = fs.readFileSync(path.join(ROOT, rel), "utf8");
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
    const dest = path.join(out, rel.replace(/\.ts$/, ".js"));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, js);
  }
  return out;
}
