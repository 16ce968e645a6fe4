/**
 * The HTML graph in a real browser (Debian's chromium through puppeteer-core): cytoscape draws every node of the
 * fixture with a visible box inside the viewport, a click shows a node's properties (secrets as [secret]), the page
 * asks the network for nothing, and hostile names stay text. Set QEMU_LAB_GRAPH_SCREENSHOT=<file.png> to keep the
 * screenshot it takes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import type { StackState } from "../../../driver/types";
import { buildLabGraph, renderGraph } from "../../../cli/graph";
import { FIXTURE_NODE_IDS, GRAPH_FIXTURE, SECRET_PLAINTEXTS } from "../../unit/cli/graph-fixture";

const CHROMIUM = "/usr/bin/chromium";

// What page.evaluate's functions see in the browser (this project compiles without the DOM library).
declare const document: any;
declare const window: any;

interface Opened {
  page: Page;
  /** Every URL the page asked for; anything but file: and data: was aborted. */
  requests: string[];
  /** Page errors, console errors and dialogs (alert, confirm…): none is expected. */
  problems: string[];
}

describe("the HTML graph in Chromium", () => {
  let browser: Browser | undefined;
  let dir: string;
  const pages: Page[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-lab-graph-"));
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  });

  afterAll(async () => {
    // Closed even when a test failed: the browser and its pages are ours to end.
    for (const p of pages) await p.close().catch(() => undefined);
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(state: StackState, file: string): Promise<Opened> {
    const target = path.join(dir, file);
    fs.writeFileSync(target, renderGraph(state, "html"));
    const page = await browser!.newPage();
    pages.push(page);
    const requests: string[] = [];
    const problems: string[] = [];
    await page.setRequestInterception(true);
    page.on("request", (req) => {
      requests.push(req.url());
      if (/^(file|data):/.test(req.url())) void req.continue();
      else void req.abort();
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${(e as Error).message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warn") problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on("dialog", (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto(`file://${target}`);
    await page.waitForFunction(() => document.body.dataset.rendered === "true", { timeout: 30_000 });
    return { page, requests, problems };
  }

  test("every node of the fixture is drawn inside the viewport; a click shows its properties; no request leaves the file", async () => {
    const { page, requests, problems } = await open(GRAPH_FIXTURE, "lab.html");

    const drawn = await page.evaluate(() => {
      const g = window.qemuLabGraph;
      const cy = g.cy;
      cy.fit(undefined, 30);
      return {
        exposed: g.nodes.map((n: { id: string }) => n.id) as string[],
        exposedEdges: g.edges.length as number,
        edges: cy.edges().length as number,
        viewport: { w: cy.width() as number, h: cy.height() as number },
        nodes: cy.nodes().map((n: any) => ({ id: n.id() as string, box: cy.$id(n.id()).renderedBoundingBox() })) as { id: string; box: { x1: number; x2: number; y1: number; y2: number; w: number; h: number } }[],
      };
    });
    expect(drawn.nodes.map((n) => n.id).sort()).toEqual([...FIXTURE_NODE_IDS].sort());
    expect(drawn.exposed).toEqual(FIXTURE_NODE_IDS);
    const edgeCount = buildLabGraph(GRAPH_FIXTURE).edges.length;
    expect([drawn.edges, drawn.exposedEdges]).toEqual([edgeCount, edgeCount]);
    expect(drawn.viewport.w).toBeGreaterThan(0);
    const outside = drawn.nodes.filter(
      ({ box }) => !(box.w > 0 && box.h > 0 && box.x1 >= -1 && box.y1 >= -1 && box.x2 <= drawn.viewport.w + 1 && box.y2 <= drawn.viewport.h + 1),
    );
    expect(outside).toEqual([]);

    // Click the web VM where cytoscape drew it (the graph's container is at the page's top left).
    const at = await page.evaluate(() => window.qemuLabGraph.cy.$id("vm:lab-ns/web").renderedPosition() as { x: number; y: number });
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => document.getElementById("details-body")!.textContent !== "", { timeout: 10_000 });
    const details = await page.evaluate(() => [document.getElementById("details-title")!.textContent, document.getElementById("details-body")!.textContent] as [string, string]);
    expect(details[0]).toBe("vm web · running · tcg · 1 vCPU · 512 MiB");
    const shown = JSON.parse(details[1]);
    expect(shown).toMatchObject({ id: "vm:lab-ns/web", kind: "vm", urn: "urn:pulumi:dev::lab::pulumi-nodejs:dynamic/qemu-lab:QemuVm::web" });
    expect(shown.properties.cloudInit).toEqual({ userData: "[secret]" });
    const text = await page.evaluate(() => document.documentElement.outerHTML);
    for (const s of SECRET_PLAINTEXTS) expect(text).not.toContain(s);

    const shot = path.join(dir, "lab.png");
    await page.screenshot({ path: shot });
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    if (process.env.QEMU_LAB_GRAPH_SCREENSHOT) fs.copyFileSync(shot, process.env.QEMU_LAB_GRAPH_SCREENSHOT);

    expect(requests.filter((u) => !/^(file|data):/.test(u))).toEqual([]);
    expect(problems).toEqual([]);
  });

  test("hostile names stay text: no dialog, no element of theirs, labels as written", async () => {
    const evil = `"]; click x call alert(1)</script><img src=x onerror=alert(1)><script>alert(2)</script>`;
    const dyn = (kind: string) => `pulumi-nodejs:dynamic/qemu-lab:${kind}`;
    const state: StackState = {
      version: 1,
      project: evil,
      stack: "dev",
      resources: [
        { urn: `urn:pulumi:dev::p::${dyn("Bridge")}::b`, type: dyn("Bridge"), custom: true, id: "b", inputs: {}, outputs: { name: evil, addresses: [evil] }, dependencies: [], propertyDependencies: {} },
        { urn: `urn:pulumi:dev::p::${dyn("QemuVm")}::v`, type: dyn("QemuVm"), custom: true, id: "v", inputs: {}, outputs: { name: "vm1", nics: [{ type: "bridge", id: "net0", bridge: evil }] }, dependencies: [], propertyDependencies: {} },
      ],
    };
    const { page, requests, problems } = await open(state, "evil.html");
    const seen = await page.evaluate(() => ({
      scripts: document.scripts.length,
      images: document.images.length,
      title: document.title,
      label: window.qemuLabGraph.cy.$id(window.qemuLabGraph.nodes.find((n: any) => n.kind === "bridge").id).data("label") as string,
    }));
    expect(seen).toEqual({ scripts: 3, images: 0, title: `qemu-lab ${evil}/dev`, label: `bridge ${evil}\n${evil}` });
    expect(requests.filter((u) => !/^(file|data):/.test(u))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
