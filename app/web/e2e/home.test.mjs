// End-to-end: headless Chromium -> Next.js standalone server -> real API (+ worker via Redis) -> real PostgreSQL.
//
// Needs: `npm run build` done, the API venv at ../.venv (or PYTHON=...), PostgreSQL
// server binaries, and Chromium at /usr/bin/chromium (or CHROMIUM_PATH=...).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const API_DIR = resolve(WEB_DIR, "../api");
const PYTHON = process.env.PYTHON ?? resolve(WEB_DIR, "../.venv/bin/python");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SERVER_JS = join(WEB_DIR, ".next/standalone/server.js");
const SCREENSHOT = join(WEB_DIR, "test-results/home.png");
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** @param {string} url @param {number} timeoutMs */
async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the API stack (PostgreSQL + migrations + uvicorn) and resolves with its base URL. */
function startApiStack() {
  const proc = spawn(PYTHON, ["-m", "tests.stack"], { cwd: API_DIR, stdio: ["pipe", "pipe", "inherit"] });
  const ready = new Promise((res, rej) => {
    const lines = createInterface({ input: proc.stdout });
    const timer = setTimeout(() => rej(new Error("API stack did not report READY in 90 s")), 90_000);
    lines.on("line", (line) => {
      if (line.startsWith("READY ")) {
        clearTimeout(timer);
        res(line.slice("READY ".length).trim());
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`API stack exited early with code ${code}`));
    });
  });
  return { proc, ready };
}

// As the dev stack's rendered web task definition says, in the Fargate stand-in of the API's
// tests (tests/fargate.py via tests/run_web.py): uid 10001, read-only root, /tmp on a volume owned
// as the image declares it, HOSTNAME set by "Fargate" and then by the task definition.
// Needs root and bubblewrap; E2E_SANDBOX=0 runs server.js directly instead (not under
// APP_TESTS_STRICT=1, which app/scripts/test.sh sets).
const BWRAP = ["/usr/bin/bwrap", "/bin/bwrap"].find((p) => existsSync(p));
const SANDBOX = process.env.E2E_SANDBOX !== "0" && BWRAP !== undefined && process.getuid?.() === 0;

/** @param {number} port @param {string} apiUrl */
function startWeb(port, apiUrl) {
  if (SANDBOX) {
    const args = ["-m", "tests.run_web", "--stack", "dev", "--api-url", apiUrl, "--port", String(port)];
    return spawn(PYTHON, args, { cwd: API_DIR, stdio: ["pipe", "inherit", "inherit"] });
  }
  return spawn(process.execPath, [SERVER_JS], {
    cwd: dirname(SERVER_JS),
    env: { ...process.env, PORT: String(port), HOSTNAME: "127.0.0.1", API_INTERNAL_URL: apiUrl, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

/** @param {import("node:child_process").ChildProcess} proc */
function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    proc.once("exit", () => {
      clearTimeout(killer);
      res(undefined);
    });
    proc.kill("SIGTERM");
  });
}

/** @type {ReturnType<typeof startApiStack>} */ let stack;
/** @type {import("node:child_process").ChildProcess[]} */ const webServers = [];
/** @type {import("playwright-core").Browser | undefined} */ let browser;
let apiUrl = "";
let webUrl = "";

before(async () => {
  assert.ok(existsSync(SERVER_JS), "run `npm run build` first (no .next/standalone/server.js)");
  if (process.env.APP_TESTS_STRICT === "1") assert.ok(SANDBOX, "the web must run in the Fargate stand-in (root, bwrap)");
  stack = startApiStack();
  apiUrl = await stack.ready;
  const port = await freePort();
  webServers.push(startWeb(port, apiUrl));
  webUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${webUrl}/healthz`, 60_000);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
});

after(async () => {
  await browser?.close();
  await Promise.all(webServers.map((p) => stop(p)));
  if (stack) {
    stack.proc.stdin?.end();
    await stop(stack.proc);
  }
});

test("home page renders notes from the API and creates a note through the form", async () => {
  console.log(`# web server as its task definition says, in the Fargate stand-in: ${SANDBOX}`);
  const seeded = await fetch(`${apiUrl}/api/notes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      title: "Seeded through the API",
      body: "Stored in PostgreSQL by the real API. The worker keeps only the first sentence.",
    }),
  });
  assert.equal(seeded.status, 201);

  assert.ok(browser);
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  /** @type {{ url: string, status: number }[]} */
  const assets = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname.startsWith("/_next/static/")) assets.push({ url: r.url(), status: r.status() });
  });

  const response = await page.goto(`${webUrl}/`, { waitUntil: "networkidle" });
  assert.equal(response?.status(), 200);
  assert.equal(await page.locator("h1").textContent(), "Notes");
  const notes = page.locator("[data-testid=notes] li");
  assert.equal(await notes.count(), 1);
  assert.equal(await notes.first().locator("h2").textContent(), "Seeded through the API");

  // Static assets come from the same origin (empty ASSET_PREFIX) and load.
  assert.ok(assets.length > 0, "no /_next/static assets were requested");
  for (const a of assets) assert.equal(a.status, 200, a.url);
  assert.equal(await page.locator("h1").evaluate((el) => getComputedStyle(el).color), "rgb(36, 89, 214)");

  // Create a note through the server action; the page re-renders with it.
  await page.fill("input[name=title]", "Added in Chromium");
  await page.fill("textarea[name=body]", "Posted by a server action to the API.");
  await Promise.all([page.waitForURL(`${webUrl}/`), page.click("button[type=submit]")]);
  await page.locator("h2", { hasText: "Added in Chromium" }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator("[data-testid=notes] li").count(), 2);

  // It really is in the database, seen through the API.
  const listed = await (await fetch(`${apiUrl}/api/notes`)).json();
  assert.deepEqual(
    listed.map((/** @type {{ title: string }} */ n) => n.title),
    ["Added in Chromium", "Seeded through the API"],
  );

  // Ask for a summary: server action -> API -> Redis -> worker -> PostgreSQL.
  const seededItem = page.locator("li.note", { has: page.locator("h2", { hasText: "Seeded through the API" }) });
  assert.equal(await seededItem.locator(".summary").count(), 0);
  await Promise.all([page.waitForURL(/\?queued=\d+$/), seededItem.locator("button", { hasText: "Summarize" }).click()]);
  assert.match((await page.getByTestId("queued").textContent()) ?? "", /requested/);
  const deadline = Date.now() + 30_000;
  while ((await seededItem.locator(".summary").count()) === 0) {
    assert.ok(Date.now() < deadline, "the worker's summary did not appear within 30 s");
    await new Promise((r) => setTimeout(r, 500));
    await page.goto(`${webUrl}/`, { waitUntil: "networkidle" });
  }
  assert.equal(
    await seededItem.locator(".summary").textContent(),
    "Summary: Stored in PostgreSQL by the real API.",
  );

  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.ok(existsSync(SCREENSHOT));
  await page.close();
});

test("home page still answers 200 with an error notice when the API is down", async () => {
  const port = await freePort();
  const deadApi = `http://127.0.0.1:${await freePort()}`;
  const web = startWeb(port, deadApi);
  webServers.push(web);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
  const res = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /data-testid="api-error"/);
  assert.match(html, /notes API is not available/);
});
