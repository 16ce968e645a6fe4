/**
 * The page's own script, as text (it runs in the browser, not in Node): builds the cytoscape graph from the JSON
 * data block, places the nodes where layout.ts put them (cytoscape's `preset` layout; compound nodes take the size of
 * their contents), shows a node's properties on
 * click with `textContent` (never as HTML), and exposes `window.qemuLabGraph` and `body[data-rendered]` for tests.
 */
export const HTML_CLIENT_SCRIPT = String.raw`(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("qemu-lab-graph-data").textContent);
  var byId = {};
  var elements = [];
  data.nodes.forEach(function (n) {
    byId[n.id] = n;
    var d = { id: n.id, label: n.label.join("\n"), w: n.box ? n.box.w : 48, h: n.box ? n.box.h : 27 };
    if (n.parent !== undefined) d.parent = n.parent;
    var el = { group: "nodes", data: d, classes: n.external ? [n.kind, "external"] : [n.kind] };
    if (n.box) el.position = { x: n.box.x, y: n.box.y };
    elements.push(el);
  });
  data.edges.forEach(function (e) {
    elements.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, label: e.label || "" }, classes: [e.kind] });
  });
  var kinds = {
    namespace: ["round-rectangle", "#f5f5f5", "#9e9e9e"],
    group: ["round-rectangle", "#fffde7", "#f9a825"],
    bridge: ["hexagon", "#e3f2fd", "#1565c0"],
    network: ["ellipse", "#e3f2fd", "#1565c0"],
    acl: ["tag", "#efebe9", "#5d4037"],
    dhcp: ["barrel", "#f3e5f5", "#6a1b9a"],
    nat: ["cut-rectangle", "#fce4ec", "#ad1457"],
    port: ["round-rectangle", "#eceff1", "#546e7a"],
    veth: ["round-rectangle", "#eceff1", "#546e7a"],
    vm: ["rectangle", "#e8f5e9", "#2e7d32"],
    nic: ["round-rectangle", "#f1f8e9", "#558b2f"],
    forward: ["round-tag", "#fff3e0", "#ef6c00"]
  };
  var style = [
    { selector: "node", style: { label: "data(label)", "text-wrap": "wrap", "text-valign": "center", "text-halign": "center", "font-size": 10,
      "font-family": "sans-serif", width: "data(w)", height: "data(h)", "border-width": 1 } },
    { selector: ":parent", style: { "text-valign": "top", "text-halign": "center", "background-opacity": 0.5, "border-style": "dashed", padding: 18 } },
    { selector: "node.external", style: { "border-style": "dashed", "background-opacity": 0.4, color: "#555" } },
    { selector: "node:selected", style: { "border-width": 3, "border-color": "#d50000" } },
    { selector: "edge", style: { width: 1.5, "curve-style": "bezier", "line-color": "#90a4ae", "target-arrow-color": "#90a4ae",
      "target-arrow-shape": "triangle", label: "data(label)", "font-size": 8, "text-background-color": "#ffffff", "text-background-opacity": 0.85,
      "text-background-padding": 2 } },
    { selector: "edge.veth, edge.port, edge.nic, edge.serves, edge.acl", style: { "target-arrow-shape": "none" } },
    { selector: "edge.serves, edge.lease, edge.acl", style: { "line-style": "dashed" } }
  ];
  Object.keys(kinds).forEach(function (k) {
    style.splice(1, 0, { selector: "node." + k, style: { shape: kinds[k][0], "background-color": kinds[k][1], "border-color": kinds[k][2] } });
  });
  var cy = cytoscape({ container: document.getElementById("cy"), elements: elements, style: style, layout: { name: "preset", fit: true, padding: 30 } });
  window.qemuLabGraph = { title: data.title, nodes: data.nodes, edges: data.edges, cy: cy };

  var title = document.getElementById("details-title");
  var body = document.getElementById("details-body");
  cy.on("tap", "node", function (evt) {
    var n = byId[evt.target.id()];
    title.textContent = n.label.join(" \u00b7 ");
    var shown = { id: n.id, kind: n.kind };
    if (n.urn !== undefined) shown.urn = n.urn;
    if (n.external) shown.external = "referenced by the stack, not one of its resources";
    shown.properties = n.props;
    body.textContent = JSON.stringify(shown, null, 2);
  });
  cy.on("tap", function (evt) {
    if (evt.target !== cy) return;
    title.textContent = "Click a node";
    body.textContent = "";
  });

  cy.ready(function () {
    cy.fit(undefined, 30);
    document.body.dataset.rendered = "true";
  });
})();
`;
