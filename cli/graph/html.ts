/**
 * One self-contained HTML page: cytoscape.js inlined (read from the installed package at render time, no network,
 * no CDN), the graph as JSON in a data block (escaped so no name can close it), and a Content-Security-Policy that
 * allows exactly these two scripts and no fetch of anything.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import type { LabGraph } from "./model";
import { HTML_CLIENT_SCRIPT } from "./html-client";
import { layoutLabGraph } from "./layout";

/** JSON safe inside `<script type="application/json">`: no `<`, `>` or `&` (so no `</script>`), no U+2028/9. Pure. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Text safe as HTML content or a quoted attribute value. Pure. */
export function htmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * cytoscape's minified build, ready to inline: a `</script` in it (there is none in 3.35) would end the element, so
 * it is written `<\/script`, which means the same inside a JS string, regex or comment.
 */
export function cytoscapeSource(): string {
  const file = require.resolve("cytoscape/dist/cytoscape.min.js");
  const source = fs.readFileSync(file, "utf8").replace(/<\/(script)/gi, "<\\/$1");
  // Why refuse: `<!--` then `<script` would switch the HTML parser into a state where `</script>` no longer ends it.
  if (source.includes("<!--")) throw new Error(`${file} contains "<!--": it cannot be inlined into a <script> element safely`);
  return source;
}

/** The graph with each node's box (see layout.ts) for the page. Pure. */
function pageData(graph: LabGraph) {
  const boxes = layoutLabGraph(graph);
  return { ...graph, nodes: graph.nodes.map((n) => ({ ...n, box: boxes.get(n.id) })) };
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** The graph as a self-contained interactive page. */
export function renderHtml(graph: LabGraph): string {
  const library = cytoscapeSource();
  const csp = `default-src 'none'; script-src ${sha256(library)} ${sha256(HTML_CLIENT_SCRIPT)}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  const title = htmlText(`qemu-lab ${graph.title}`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  html, body { margin: 0; height: 100%; font-family: sans-serif; }
  body { display: flex; }
  #cy { flex: 1; height: 100vh; min-width: 0; }
  aside { width: 360px; height: 100vh; overflow: auto; border-left: 1px solid #ccc; padding: 0 12px; box-sizing: border-box; background: #fafafa; }
  h1 { font-size: 15px; margin: 12px 0 4px; }
  h2 { font-size: 13px; margin: 12px 0 4px; }
  pre { font-size: 11px; white-space: pre-wrap; word-break: break-all; }
</style>
</head>
<body>
<div id="cy"></div>
<aside>
<h1>${title}</h1>
<h2 id="details-title">Click a node</h2>
<pre id="details-body"></pre>
</aside>
<script type="application/json" id="qemu-lab-graph-data">${jsonForScript(pageData(graph))}</script>
<script>${library}</script>
<script>${HTML_CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
