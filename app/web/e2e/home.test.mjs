// End-to-end: headless Chromium -> Next.js standalone server -> real API (+ worker via Redis) -> real PostgreSQL,
// with sign-in against moto's cognito-idp standing for the stack's user pool.
//
// Needs: `npm run build` done, the API venv at ../.venv (or PYTHON=...), PostgreSQL
// server binaries, Chromium at /usr/bin/chromium (or CHROMIUM_PATH=...), and a moto server at
// E2E_COGNITO_ENDPOINT (app/scripts/test.sh starts one). moto signs tokens whose `iss` is the real
// AWS host (https://cognito-idp.us-east-1.amazonaws.com/<pool id>), so the API is given that
// issuer and moto's key set URL separately, and the web the moto endpoint (COGNITO_ENDPOINT).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { refreshSession, signIn } from "../lib/auth.mjs";

const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const API_DIR = resolve(WEB_DIR, "../api");
const PYTHON = process.env.PYTHON ?? resolve(WEB_DIR, "../.venv/bin/python");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SERVER_JS = join(WEB_DIR, ".next/standalone/server.js");
const SCREENSHOT = join(WEB_DIR, "test-results/home.png");
const COGNITO = (process.env.E2E_COGNITO_ENDPOINT ?? "").replace(/\/+$/, "");
const REGION = "us-east-1"; // moto's default region (no signed request names another)
const EMAIL = "writer@example.com";
const PASSWORD = "Correct-Horse-9-battery";
const TASKDEFS = join(process.env.APP_TASKDEFS_DIR ?? resolve(WEB_DIR, "../.taskdefs"), "dev.json");
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

/**
 * One call of moto's cognito-idp (the JSON protocol; moto checks no signature).
 * @param {string} operation @param {object} body
 */
async function cognito(operation, body) {
  const r = await fetch(`${COGNITO}/`, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(body),
  });
  const data = await r.json();
  assert.equal(r.status, 200, `${operation}: ${JSON.stringify(data)}`);
  return data;
}

/** A pool like the stack's (email usernames), its app client without a secret, one user. */
async function createPool() {
  const { UserPool } = await cognito("CreateUserPool", {
    PoolName: `e2e-${process.pid}`,
    UsernameAttributes: ["email"],
    AutoVerifiedAttributes: ["email"],
  });
  const { UserPoolClient } = await cognito("CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: "web",
    GenerateSecret: false,
    ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  await cognito("AdminCreateUser", {
    UserPoolId: UserPool.Id,
    Username: EMAIL,
    UserAttributes: [{ Name: "email", Value: EMAIL }, { Name: "email_verified", Value: "true" }],
    MessageAction: "SUPPRESS",
  });
  await cognito("AdminSetUserPassword", { UserPoolId: UserPool.Id, Username: EMAIL, Password: PASSWORD, Permanent: true });
  return { poolId: String(UserPool.Id), clientId: String(UserPoolClient.ClientId) };
}

/** Starts the API stack (PostgreSQL + migrations + uvicorn) and resolves with its base URL. */
function startApiStack(/** @type {Record<string, string>} */ env) {
  const proc = spawn(PYTHON, ["-m", "tests.stack"], { cwd: API_DIR, stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...env } });
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

/** The dev stack's web environment as its rendered task definition gives it. */
function webTaskEnv() {
  const taskdefs = JSON.parse(readFileSync(TASKDEFS, "utf8"));
  const [container] = taskdefs.tasks.web.containerDefinitions;
  return Object.fromEntries(container.environment.map((/** @type {{ name: string, value: string }} */ e) => [e.name, e.value]));
}

/** @param {number} port @param {string} apiUrl @param {Record<string, string>} env replaces the definition's */
function startWeb(port, apiUrl, env) {
  if (SANDBOX) {
    const args = ["-m", "tests.run_web", "--stack", "dev", "--api-url", apiUrl, "--port", String(port)];
    for (const [name, value] of Object.entries(env)) args.push("--env", `${name}=${value}`);
    return spawn(PYTHON, args, { cwd: API_DIR, stdio: ["pipe", "inherit", "inherit"] });
  }
  return spawn(process.execPath, [SERVER_JS], {
    cwd: dirname(SERVER_JS),
    env: {
      ...process.env,
      ...webTaskEnv(),
      ...env,
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      API_INTERNAL_URL: apiUrl,
      NEXT_TELEMETRY_DISABLED: "1",
    },
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
/** @type {Record<string, string>} */ let webEnv = {};

before(async () => {
  assert.ok(existsSync(SERVER_JS), "run `npm run build` first (no .next/standalone/server.js)");
  assert.ok(COGNITO, "E2E_COGNITO_ENDPOINT: a moto server's URL is needed (app/scripts/test.sh starts one)");
  if (process.env.APP_TESTS_STRICT === "1") assert.ok(SANDBOX, "the web must run in the Fargate stand-in (root, bwrap)");
  assert.ok(webTaskEnv().USER_POOL_CLIENT_ID, "the dev stack's web has no user pool (auth is not cognito?)");
  const { poolId, clientId } = await createPool();
  const issuer = `https://cognito-idp.${REGION}.amazonaws.com/${poolId}`;
  stack = startApiStack({
    USER_POOL_ISSUER: issuer,
    USER_POOL_CLIENT_ID: clientId,
    USER_POOL_JWKS_URL: `${COGNITO}/${poolId}/.well-known/jwks.json`,
  });
  apiUrl = await stack.ready;
  // The definition's pool stands as the moto pool (its ids are moto's); the rest is the definition's.
  webEnv = { USER_POOL_ISSUER: issuer, USER_POOL_CLIENT_ID: clientId, COGNITO_ENDPOINT: COGNITO };
  const port = await freePort();
  webServers.push(startWeb(port, apiUrl, webEnv));
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

/** The user's access token, as the web's server gets it (InitiateAuth USER_PASSWORD_AUTH). */
async function accessToken() {
  const result = await signIn({ endpoint: COGNITO, clientId: webEnv.USER_POOL_CLIENT_ID, email: EMAIL, password: PASSWORD });
  assert.ok(result.ok, JSON.stringify(result));
  return result.accessToken;
}

/** @param {string} title @param {string} body @param {string | undefined} token */
function postNote(title, body, token) {
  return fetch(`${apiUrl}/api/notes`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ title, body }),
  });
}

async function titles() {
  const listed = await (await fetch(`${apiUrl}/api/notes`)).json();
  return listed.map((/** @type {{ title: string }} */ n) => n.title);
}

test("anyone reads; a user signs in through the page, writes, signs out; anonymous writes are refused", async () => {
  console.log(`# web server as its task definition says, in the Fargate stand-in: ${SANDBOX}`);
  const seeded = await postNote(
    "Seeded through the API",
    "Stored in PostgreSQL by the real API. The worker keeps only the first sentence.",
    await accessToken(),
  );
  assert.equal(seeded.status, 201);

  assert.ok(browser);
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  /** @type {{ url: string, status: number }[]} */
  const assets = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname.startsWith("/_next/static/")) assets.push({ url: r.url(), status: r.status() });
  });

  // Anonymous: the notes, a sign-in form, and no write controls.
  const response = await page.goto(`${webUrl}/`, { waitUntil: "networkidle" });
  assert.equal(response?.status(), 200);
  assert.equal(await page.locator("h1").textContent(), "Notes");
  const notes = page.locator("[data-testid=notes] li");
  assert.equal(await notes.count(), 1);
  assert.equal(await notes.first().locator("h2").textContent(), "Seeded through the API");
  assert.equal(await page.locator("form[aria-label='Sign in']").count(), 1);
  assert.equal(await page.locator("form[aria-label='New note']").count(), 0);
  assert.equal(await page.locator("button", { hasText: "Summarize" }).count(), 0);

  // Static assets come from the same origin (empty ASSET_PREFIX) and load.
  assert.ok(assets.length > 0, "no /_next/static assets were requested");
  for (const a of assets) assert.equal(a.status, 200, a.url);
  assert.equal(await page.locator("h1").evaluate((el) => getComputedStyle(el).color), "rgb(36, 89, 214)");

  // A wrong password: a plain message, no cookie, no stack trace.
  await page.fill("input[name=email]", EMAIL);
  await page.fill("input[name=password]", "Wrong-password-1");
  await Promise.all([page.waitForURL(/signin_error=/), page.click("form[aria-label='Sign in'] button[type=submit]")]);
  assert.equal((await page.getByTestId("signin-error").textContent())?.trim(), "Wrong email or password.");
  assert.doesNotMatch(await page.content(), /Exception|at \w+ \(|node_modules/);
  assert.equal((await context.cookies()).filter((c) => c.name === "session").length, 0);

  // Sign in: the session cookie is httpOnly, Secure, SameSite=Lax and ends with the token.
  const before = Date.now() / 1000;
  await page.fill("input[name=email]", EMAIL);
  await page.fill("input[name=password]", PASSWORD);
  await Promise.all([page.waitForURL(`${webUrl}/`), page.click("form[aria-label='Sign in'] button[type=submit]")]);
  assert.equal((await page.getByTestId("signed-in").textContent())?.trim().startsWith("Signed in as"), true);
  const [cookie] = (await context.cookies()).filter((c) => c.name === "session");
  assert.ok(cookie, "no session cookie");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.secure, true);
  assert.equal(cookie.sameSite, "Lax");
  assert.equal(cookie.path, "/");
  // With a refresh token kept, the session cookie lives as long as it (30 days): an expired access
  // token in it is refreshed before the next write (the test below).
  assert.ok(cookie.expires > before && cookie.expires <= before + 30 * 86400 + 5, `expires ${cookie.expires}`);
  assert.equal(await page.evaluate(() => document.cookie), "", "scripts must not see the session");

  // Create a note through the server action; the page re-renders with it.
  await page.fill("input[name=title]", "Added in Chromium");
  await page.fill("textarea[name=body]", "Posted by a server action to the API.");
  await Promise.all([page.waitForURL(`${webUrl}/`), page.click("form[aria-label='New note'] button[type=submit]")]);
  await page.locator("h2", { hasText: "Added in Chromium" }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator("[data-testid=notes] li").count(), 2);
  // It really is in the database, seen through the API.
  assert.deepEqual(await titles(), ["Added in Chromium", "Seeded through the API"]);

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
  assert.equal(await seededItem.locator(".summary").textContent(), "Summary: Stored in PostgreSQL by the real API.");

  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.ok(existsSync(SCREENSHOT));

  // Sign out: the cookie goes, the write controls go, the sign-in form is back.
  await Promise.all([page.waitForURL(`${webUrl}/`), page.click("form[aria-label='Account'] button[type=submit]")]);
  await page.locator("form[aria-label='Sign in']").waitFor();
  assert.equal((await context.cookies()).filter((c) => c.name === "session").length, 0);
  assert.equal(await page.locator("form[aria-label='New note']").count(), 0);
  assert.equal(await page.locator("button", { hasText: "Summarize" }).count(), 0);

  // And the API itself refuses a write without a token, or with a made-up one.
  const anonymous = await postNote("Anonymous", "no token", undefined);
  assert.equal(anonymous.status, 401);
  assert.equal((await postNote("Forged", "bad token", "a.b.c")).status, 401);
  assert.deepEqual(await titles(), ["Added in Chromium", "Seeded through the API"]);
  await context.close();
});

/**
 * POST to the web as a plain (no-JavaScript) form submission of a server action, with the headers
 * given: node:http, so that Origin and X-Forwarded-Host are sent exactly as written.
 * @param {FormData} form @param {Record<string, string>} headers
 * @returns {Promise<number>} the status
 */
async function postForm(form, headers) {
  const encoded = new Request(webUrl, { method: "POST", body: form });
  const body = Buffer.from(await encoded.arrayBuffer());
  const url = new URL(webUrl);
  return new Promise((res, rej) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: "/",
        method: "POST",
        headers: { ...headers, "content-type": encoded.headers.get("content-type") ?? "", "content-length": body.length },
      },
      (r) => {
        r.resume();
        r.on("end", () => res(r.statusCode ?? 0));
      },
    );
    req.on("error", rej);
    req.end(body);
  });
}

test("a cross-site server-action POST is refused, even with the session cookie; the site's own origins are accepted", async () => {
  // The signed-in page's "New note" form names its server action (progressive enhancement).
  const token = await accessToken();
  const cookie = `session=${token}`;
  const html = await (await fetch(`${webUrl}/`, { headers: { cookie } })).text();
  const form = html.slice(html.indexOf('aria-label="New note"'));
  const actionField = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(form.slice(0, form.indexOf("</form>")))?.[1];
  assert.ok(actionField, "the New note form names no server action");
  const note = (/** @type {string} */ title) => {
    const data = new FormData();
    data.set(actionField, "");
    data.set("title", title);
    data.set("body", "");
    return data;
  };

  // From another site: Next.js refuses before the action runs.
  const evil = await postForm(note("From evil.example"), { cookie, origin: "https://evil.example" });
  assert.ok(evil >= 400, `a cross-site POST answered ${evil}`);
  assert.ok(!(await titles()).includes("From evil.example"), "the cross-site action ran");

  // From the page's own origin: it runs (303 to the page), so the refusal above was the origin check.
  const own = await postForm(note("From the site itself"), { cookie, origin: webUrl });
  assert.equal(own, 303);
  assert.ok((await titles()).includes("From the site itself"));

  // Behind CloudFront the server sees its origin's host (here as X-Forwarded-Host, which Next.js
  // compares first); the site's name (SITE_ORIGINS, from the task definition) is accepted...
  const site = webTaskEnv().SITE_ORIGINS.split(",")[0];
  assert.match(site, /^https:\/\/[^/]+$/);
  const behindCdn = { cookie, origin: site, "x-forwarded-host": "abc123.execute-api.us-east-1.amazonaws.com" };
  assert.equal(await postForm(note("Through CloudFront"), behindCdn), 303);
  assert.ok((await titles()).includes("Through CloudFront"));
  // ...and another origin still is not.
  const other = await postForm(note("Other site behind the CDN"), { ...behindCdn, origin: "https://evil.example" });
  assert.ok(other >= 400, `answered ${other}`);
  assert.ok(!(await titles()).includes("Other site behind the CDN"));
});

test("home page still answers 200 with an error notice when the API is down", async () => {
  const port = await freePort();
  const deadApi = `http://127.0.0.1:${await freePort()}`;
  const web = startWeb(port, deadApi, webEnv);
  webServers.push(web);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
  const res = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /data-testid="api-error"/);
  assert.match(html, /notes API is not available/);
});

/** A JWT-shaped access token that expired a minute ago (unsigned: the web only reads its claims). */
function expiredToken(/** @type {string} */ username) {
  const claims = { username, exp: Math.floor(Date.now() / 1000) - 60 };
  return ["e30", Buffer.from(JSON.stringify(claims)).toString("base64url"), "sig"].join(".");
}

/** @param {import("playwright-core").Page} page @param {string} email @param {string} password */
/** @param {string} base */
async function signInThroughPage(page, base, email, password) {
  await page.goto(`${base}/`, { waitUntil: "networkidle" });
  await page.fill("form[aria-label='Sign in'] input[name=email]", email);
  await page.fill("form[aria-label='Sign in'] input[name=password]", password);
  await Promise.all([page.waitForURL(/\/(\?.*)?$/), page.click("form[aria-label='Sign in'] button[type=submit]")]);
}

test("an expired access token is refreshed with the refresh cookie before a write; sign-out revokes it", async () => {
  assert.ok(browser);
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInThroughPage(page, webUrl, EMAIL, PASSWORD);
  await page.getByTestId("signed-in").waitFor();
  const jar = await context.cookies();
  const refresh = jar.find((c) => c.name === "refresh");
  const session = jar.find((c) => c.name === "session");
  assert.ok(refresh && session, "no refresh or session cookie");
  assert.equal(refresh.httpOnly, true);
  assert.equal(refresh.secure, true);
  assert.equal(refresh.sameSite, "Lax");
  assert.equal(refresh.path, "/");
  const now = Date.now() / 1000;
  assert.ok(refresh.expires > now + 29 * 86400 && refresh.expires <= now + 30 * 86400 + 5, `refresh expires ${refresh.expires}`);

  // The access token has "expired": the page still knows the user (a refresh token is kept)...
  const username = JSON.parse(Buffer.from(session.value.split(".")[1], "base64url").toString()).username;
  const expired = expiredToken(username);
  await context.addCookies([{ ...session, value: expired }]);
  await page.goto(`${webUrl}/`, { waitUntil: "networkidle" });
  await page.getByTestId("signed-in").waitFor();
  // ...and the write gets a new access token from moto (REFRESH_TOKEN_AUTH) that the API accepts.
  // The page stays at / through a server action, so waiting for the URL would not wait for the
  // write: wait for its outcome on the page (the new note, or the action's error message).
  await page.fill("input[name=title]", "After a refresh");
  await page.click("form[aria-label='New note'] button[type=submit]");
  const written = page.locator("h2", { hasText: "After a refresh" });
  const refused = page.locator("p.error[role=alert]");
  await written.or(refused).first().waitFor({ timeout: 15_000 });
  assert.deepEqual(await refused.allTextContents(), [], "the write after a refresh failed");
  assert.ok((await titles()).includes("After a refresh"), "the write after a refresh did not reach the API");
  // The session cookie now holds moto's new access token (unexpired, same user), not the expired one.
  const renewed = (await context.cookies()).find((c) => c.name === "session");
  assert.ok(renewed && renewed.value !== expired, "the refreshed access token was not kept in the session cookie");
  const claims = JSON.parse(Buffer.from(renewed.value.split(".")[1], "base64url").toString());
  assert.equal(claims.username, username);
  assert.equal(claims.token_use, "access");
  assert.ok(claims.exp > Date.now() / 1000, `renewed token expired at ${claims.exp}`);

  // Sign-out clears both cookies, and GlobalSignOut revoked the refresh token at Cognito.
  await Promise.all([page.waitForURL(`${webUrl}/`), page.click("form[aria-label='Account'] button[type=submit]")]);
  await page.locator("form[aria-label='Sign in']").waitFor();
  assert.deepEqual((await context.cookies()).filter((c) => ["session", "refresh"].includes(c.name)), []);
  const again = await refreshSession({ endpoint: COGNITO, clientId: webEnv.USER_POOL_CLIENT_ID, refreshToken: refresh.value });
  assert.deepEqual(again, { ok: false, expired: true });
  await context.close();
});

test("an administrator's temporary password: the page asks for a new one (NEW_PASSWORD_REQUIRED), then signs in", async () => {
  const email = "temporary@example.com";
  await cognito("AdminCreateUser", {
    UserPoolId: webEnv.USER_POOL_ISSUER.split("/").at(-1),
    Username: email,
    TemporaryPassword: "Temporary-pass-1",
    UserAttributes: [{ Name: "email", Value: email }, { Name: "email_verified", Value: "true" }],
    MessageAction: "SUPPRESS",
  });
  assert.ok(browser);
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInThroughPage(page, webUrl, email, "Temporary-pass-1");
  await page.locator("form[aria-label='New password']").waitFor();
  const challenge = (await context.cookies()).find((c) => c.name === "challenge");
  assert.ok(challenge?.httpOnly && challenge.secure, "the challenge session must be in an httpOnly, Secure cookie");
  assert.doesNotMatch(page.url(), /session|Temporary/i);
  // A password the pool refuses: a plain message, the form again.
  await page.fill("form[aria-label='New password'] input[name=password]", "short");
  await Promise.all([page.waitForURL(/signin_error=/), page.click("form[aria-label='New password'] button[type=submit]")]);
  assert.match((await page.getByTestId("signin-error").textContent()) ?? "", /does not meet the policy/);
  await page.fill("form[aria-label='New password'] input[name=password]", "Chosen-password-42");
  await Promise.all([page.waitForURL(`${webUrl}/`), page.click("form[aria-label='New password'] button[type=submit]")]);
  await page.getByTestId("signed-in").waitFor();
  assert.equal((await context.cookies()).filter((c) => c.name === "challenge").length, 0);
  assert.ok((await signIn({ endpoint: COGNITO, clientId: webEnv.USER_POOL_CLIENT_ID, email, password: "Chosen-password-42" })).ok);
  await context.close();
});

test("with SELF_SIGN_UP=true a visitor signs up, confirms the emailed code and is signed in; without it there is no form", async () => {
  assert.ok(browser);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${webUrl}/`, { waitUntil: "networkidle" });
  assert.equal(await page.locator("form[aria-label='Sign up']").count(), 0, "the dev stack has selfSignUp off");

  const port = await freePort();
  webServers.push(startWeb(port, apiUrl, { ...webEnv, SELF_SIGN_UP: "true" }));
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`, 60_000);
  const email = "newcomer@example.com";
  await page.goto(`${base}/`, { waitUntil: "networkidle" });
  await page.fill("form[aria-label='Sign up'] input[name=email]", email);
  await page.fill("form[aria-label='Sign up'] input[name=password]", "weak");
  await Promise.all([page.waitForURL(/signup_error=/), page.click("form[aria-label='Sign up'] button[type=submit]")]);
  assert.match((await page.getByTestId("signup-error").textContent()) ?? "", /does not meet the policy/);
  assert.doesNotMatch(await page.content(), /Exception|at \w+ \(|node_modules/);

  await page.fill("form[aria-label='Sign up'] input[name=email]", email);
  await page.fill("form[aria-label='Sign up'] input[name=password]", "Newcomer-pass-7");
  await Promise.all([page.waitForURL(/confirm=/), page.click("form[aria-label='Sign up'] button[type=submit]")]);
  // moto's ConfirmSignUp accepts any code (it sends no email).
  await page.fill("form[aria-label='Confirm account'] input[name=code]", "123456");
  await page.fill("form[aria-label='Confirm account'] input[name=password]", "Newcomer-pass-7");
  await Promise.all([page.waitForURL(`${base}/`), page.click("form[aria-label='Confirm account'] button[type=submit]")]);
  await page.getByTestId("signed-in").waitFor();
  assert.ok((await context.cookies()).some((c) => c.name === "refresh"));
  // Signing up again with the same email is a plain message.
  const other = await browser.newContext();
  const second = await other.newPage();
  await second.goto(`${base}/`, { waitUntil: "networkidle" });
  await second.fill("form[aria-label='Sign up'] input[name=email]", email);
  await second.fill("form[aria-label='Sign up'] input[name=password]", "Newcomer-pass-7");
  await Promise.all([second.waitForURL(/signup_error=/), second.click("form[aria-label='Sign up'] button[type=submit]")]);
  assert.match((await second.getByTestId("signup-error").textContent()) ?? "", /exists already/);
  await other.close();
  await context.close();
});

/**
 * The code an authenticator app shows for a base32 secret (RFC 6238 TOTP: HMAC-SHA1 of the
 * 30-second step number, dynamic truncation, 6 digits), computed here as the user's app would.
 * @param {string} secret base32 (any case, padding optional) @param {number} [nowMs]
 */
function totp(secret, nowMs = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secret.toUpperCase().replace(/=+$/, "")) {
    const value = alphabet.indexOf(ch);
    assert.ok(value >= 0, "the secret is not base32");
    bits += value.toString(2).padStart(5, "0");
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** The current code, after waiting out a step that ends within 5 s (moto accepts only the
 * current step's code, so a code typed at the end of a step could arrive in the next one). */
async function currentTotp(/** @type {string} */ secret) {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 5_000) await new Promise((r) => setTimeout(r, left + 100));
  return totp(secret);
}

/** A code that is certainly wrong now: the current one with its last digit changed. */
function wrongTotp(/** @type {string} */ secret) {
  const code = totp(secret);
  return code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
}

test("with MFA=optional a user sets up an authenticator app (TOTP), and the next sign-in asks for its code", async () => {
  assert.ok(browser);
  const poolId = webEnv.USER_POOL_ISSUER.split("/").at(-1);
  // As the mvp pool: MFA optional, TOTP only (components/security/user_pool.py).
  await cognito("SetUserPoolMfaConfig", { UserPoolId: poolId, MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true } });
  const email = "second-step@example.com";
  const password = "Second-step-pass-3";
  await cognito("AdminCreateUser", {
    UserPoolId: poolId,
    Username: email,
    UserAttributes: [{ Name: "email", Value: email }, { Name: "email_verified", Value: "true" }],
    MessageAction: "SUPPRESS",
  });
  await cognito("AdminSetUserPassword", { UserPoolId: poolId, Username: email, Password: password, Permanent: true });

  // The dev stack (lab profile) has MFA off: no set-up offered.
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInThroughPage(page, webUrl, email, password);
  await page.getByTestId("signed-in").waitFor();
  assert.equal(await page.locator("form[aria-label='Two-step sign-in']").count(), 0, "the dev stack has MFA off");
  await context.clearCookies();

  const port = await freePort();
  webServers.push(startWeb(port, apiUrl, { ...webEnv, MFA: "optional" }));
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`, 60_000);
  await signInThroughPage(page, base, email, password);
  await page.getByTestId("signed-in").waitFor();

  // Set-up: Cognito's secret as text and as an otpauth:// URI; kept in an httpOnly cookie, never the URL.
  await Promise.all([page.waitForURL(/mfa_setup=1/), page.click("form[aria-label='Two-step sign-in'] button[type=submit]")]);
  const secret = ((await page.getByTestId("mfa-secret").textContent()) ?? "").trim();
  assert.match(secret, /^[A-Za-z2-7]+=*$/);
  const uri = new URL((await page.getByTestId("mfa-uri").getAttribute("href")) ?? "");
  assert.equal(uri.protocol, "otpauth:");
  assert.equal(uri.searchParams.get("secret"), secret.toUpperCase().replace(/=+$/, ""));
  assert.equal(uri.searchParams.get("issuer"), "Notes");
  const setupCookie = (await context.cookies()).find((c) => c.name === "mfa_setup");
  assert.ok(setupCookie?.httpOnly && setupCookie.secure && setupCookie.sameSite === "Lax", "the set-up secret must be in an httpOnly, Secure cookie");
  assert.ok(!page.url().toUpperCase().includes(secret.toUpperCase()), "the secret must not be in the URL");

  // A wrong code: a plain message, MFA stays off, the form again.
  const setupForm = "form[aria-label='Set up two-step sign-in']";
  await page.fill(`${setupForm} input[name=code]`, wrongTotp(secret));
  await Promise.all([page.waitForURL(/mfa_error=/), page.click(`${setupForm} button:has-text('Turn on')`)]);
  assert.match((await page.getByTestId("mfa-error").textContent()) ?? "", /not right/);
  assert.doesNotMatch(await page.content(), /Exception|mismatch/i);
  let user = await cognito("AdminGetUser", { UserPoolId: poolId, Username: email });
  assert.ok(!(user.UserMFASettingList ?? []).includes("SOFTWARE_TOKEN_MFA"));

  // The app's code: VerifySoftwareToken, then SetUserMFAPreference (TOTP enabled and preferred).
  await page.fill(`${setupForm} input[name=code]`, await currentTotp(secret));
  await Promise.all([page.waitForURL(/mfa_on=1/), page.click(`${setupForm} button:has-text('Turn on')`)]);
  await page.getByTestId("mfa-on").waitFor();
  assert.equal((await context.cookies()).filter((c) => c.name === "mfa_setup").length, 0);
  user = await cognito("AdminGetUser", { UserPoolId: poolId, Username: email });
  assert.deepEqual(user.UserMFASettingList, ["SOFTWARE_TOKEN_MFA"]);
  assert.equal(user.PreferredMfaSetting, "SOFTWARE_TOKEN_MFA");

  // Sign out and in again: the password alone no longer signs in; the page asks for the code.
  await Promise.all([page.waitForURL(`${base}/`), page.click("form[aria-label='Account'] button[type=submit]")]);
  await signInThroughPage(page, base, email, password);
  await page.locator("form[aria-label='Sign-in code']").waitFor();
  assert.equal((await context.cookies()).filter((c) => c.name === "session").length, 0);
  const challenge = (await context.cookies()).find((c) => c.name === "challenge");
  assert.ok(challenge?.httpOnly && challenge.secure, "the challenge session must be in an httpOnly, Secure cookie");
  assert.doesNotMatch(page.url(), /session/i);

  // A wrong code: a plain message, and the code form again (the challenge's session still holds).
  const codeForm = "form[aria-label='Sign-in code']";
  await page.fill(`${codeForm} input[name=code]`, wrongTotp(secret));
  await Promise.all([page.waitForURL(/signin_error=/), page.click(`${codeForm} button[type=submit]`)]);
  assert.match((await page.getByTestId("signin-error").textContent()) ?? "", /not right/);
  await page.fill(`${codeForm} input[name=code]`, await currentTotp(secret));
  await Promise.all([page.waitForURL(`${base}/`), page.click(`${codeForm} button[type=submit]`)]);
  await page.getByTestId("signed-in").waitFor();
  assert.equal((await context.cookies()).filter((c) => c.name === "challenge").length, 0);
  assert.ok((await context.cookies()).some((c) => c.name === "refresh"));

  // The tokens are good for a write: the API accepts the access token the code step gave.
  await page.fill("input[name=title]", "Written after a TOTP sign-in");
  await page.click("form[aria-label='New note'] button[type=submit]");
  await page.locator("[data-testid=notes] h2", { hasText: "Written after a TOTP sign-in" }).waitFor();
  assert.ok((await titles()).includes("Written after a TOTP sign-in"));
  await context.close();
});
