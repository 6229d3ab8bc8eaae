import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";

import {
  apiBaseUrl,
  createNote,
  DEFAULT_API_URL,
  fetchNotes,
  formatCreatedAt,
  requestSummary,
  validateNoteInput,
} from "../lib/notes.mjs";

const NOTE = { id: 7, title: "Hello", body: "World", summary: null, created_at: "2026-11-23T13:05:09.123+00:00" };

/** A tiny stand-in API on a real socket, so fetch, JSON and status codes are exercised for real. */
function startFakeApi() {
  /** @type {{ method: string | undefined, url: string | undefined, body: string, authorization?: string }[]} */
  const seen = [];
  let mode = "ok";
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, body, authorization: req.headers.authorization });
      if (req.url?.endsWith("/summarize")) {
        if (mode === "no-redis") {
          res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ detail: "Redis is off" }));
        } else {
          res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ job_id: "j-1", status: "queued" }));
        }
      } else if (mode === "500") {
        res.writeHead(500).end("boom");
      } else if (mode === "garbage") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([{ id: "x" }]));
      } else if (req.method === "POST") {
        const parsed = JSON.parse(body);
        res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ ...NOTE, ...parsed, id: 8 }));
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([NOTE]));
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      assert.ok(address && typeof address === "object");
      resolve({
        server,
        seen,
        baseUrl: `http://127.0.0.1:${address.port}`,
        setMode: (/** @type {string} */ m) => (mode = m),
      });
    });
  });
}

describe("apiBaseUrl", () => {
  test("defaults to localhost:8000", () => {
    assert.equal(apiBaseUrl({}), DEFAULT_API_URL);
    assert.equal(apiBaseUrl({ API_INTERNAL_URL: "  " }), DEFAULT_API_URL);
  });
  test("strips trailing slashes", () => {
    assert.equal(apiBaseUrl({ API_INTERNAL_URL: "http://internal-alb.example/" }), "http://internal-alb.example");
  });
  test("rejects non-http URLs", () => {
    assert.throws(() => apiBaseUrl({ API_INTERNAL_URL: "ftp://x" }), /must be http/);
    assert.throws(() => apiBaseUrl({ API_INTERNAL_URL: "not a url" }));
  });
});

describe("validateNoteInput", () => {
  test("trims and accepts", () => {
    assert.deepEqual(validateNoteInput("  T ", " b "), { ok: true, value: { title: "T", body: "b" } });
  });
  test("requires a title", () => {
    assert.equal(validateNoteInput("   ", "b").ok, false);
    assert.equal(validateNoteInput(null, "b").ok, false);
  });
  test("limits lengths", () => {
    assert.equal(validateNoteInput("x".repeat(201), "").ok, false);
    assert.equal(validateNoteInput("x".repeat(200), "").ok, true);
    assert.equal(validateNoteInput("t", "y".repeat(20001)).ok, false);
  });
});

test("formatCreatedAt is UTC and locale independent", () => {
  assert.equal(formatCreatedAt(NOTE.created_at), "2026-11-23 13:05 UTC");
  assert.equal(formatCreatedAt("garbage"), "");
});

describe("against a server", () => {
  /** @type {any} */
  let api;
  before(async () => {
    api = await startFakeApi();
  });
  after(() => api.server.close());

  test("fetchNotes reads /api/notes", async () => {
    api.setMode("ok");
    const result = await fetchNotes({ baseUrl: api.baseUrl });
    assert.deepEqual(result, { ok: true, notes: [NOTE] });
    assert.equal(api.seen.at(-1).url, "/api/notes?limit=100");
  });

  test("fetchNotes reports HTTP errors", async () => {
    api.setMode("500");
    assert.deepEqual(await fetchNotes({ baseUrl: api.baseUrl }), { ok: false, error: "API answered 500" });
  });

  test("fetchNotes rejects unexpected payloads", async () => {
    api.setMode("garbage");
    const result = await fetchNotes({ baseUrl: api.baseUrl });
    assert.equal(result.ok, false);
  });

  test("createNote posts JSON", async () => {
    api.setMode("ok");
    const note = await createNote({ baseUrl: api.baseUrl, title: "New", body: "Text" });
    assert.equal(note.id, 8);
    assert.equal(note.title, "New");
    const last = api.seen.at(-1);
    assert.equal(last.method, "POST");
    assert.equal(last.url, "/api/notes");
    assert.deepEqual(JSON.parse(last.body), { title: "New", body: "Text" });
    assert.equal(last.authorization, undefined);
  });

  test("writes carry the signed-in user's access token as a bearer token", async () => {
    api.setMode("ok");
    await createNote({ baseUrl: api.baseUrl, title: "New", body: "Text", token: "tok-1" });
    assert.equal(api.seen.at(-1)?.authorization, "Bearer tok-1");
    await requestSummary({ baseUrl: api.baseUrl, noteId: 7, token: "tok-2" });
    assert.equal(api.seen.at(-1)?.authorization, "Bearer tok-2");
  });

  test("requestSummary posts to the note's summarize endpoint", async () => {
    api.setMode("ok");
    assert.deepEqual(await requestSummary({ baseUrl: api.baseUrl, noteId: 7 }), { ok: true, jobId: "j-1" });
    const last = api.seen.at(-1);
    assert.equal(last.method, "POST");
    assert.equal(last.url, "/api/notes/7/summarize");
  });

  test("requestSummary passes the API's explanation on", async () => {
    api.setMode("no-redis");
    assert.deepEqual(await requestSummary({ baseUrl: api.baseUrl, noteId: 7 }), { ok: false, error: "Redis is off", status: 503 });
  });

  test("requestSummary rejects bad ids without calling the API", async () => {
    const before = api.seen.length;
    assert.equal((await requestSummary({ baseUrl: api.baseUrl, noteId: Number.NaN })).ok, false);
    assert.equal((await requestSummary({ baseUrl: api.baseUrl, noteId: 0 })).ok, false);
    assert.equal(api.seen.length, before);
  });

  test("createNote throws on failure", async () => {
    api.setMode("500");
    await assert.rejects(createNote({ baseUrl: api.baseUrl, title: "x", body: "" }), /500/);
  });
});

test("fetchNotes reports an unreachable API", async () => {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  assert.ok(address && typeof address === "object");
  await new Promise((resolve) => server.close(resolve)); // nothing listens on that port now
  const result = await fetchNotes({ baseUrl: `http://127.0.0.1:${address.port}`, timeoutMs: 3000 });
  assert.equal(result.ok, false);
  assert.match(result.ok ? "" : result.error, /API unreachable/);
});
