// Talking to the notes API from the Next.js server (never from the browser).
// Plain ES module with JSDoc types so that `node --test` can test it directly.

/**
 * @typedef {{ id: number, title: string, body: string, summary: string | null, created_at: string }} Note
 * @typedef {{ ok: true, notes: Note[] } | { ok: false, error: string }} NotesResult
 * @typedef {{ ok: true, value: { title: string, body: string } } | { ok: false, error: string }} Validated
 */

/** The API refused or failed a write; `status` is its HTTP status (401: no valid sign-in). */
export class ApiError extends Error {
  /** @param {string} message @param {number} status */
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/**
 * Headers of a write: JSON, and the signed-in user's access token when there is one.
 * @param {string | undefined} token
 * @param {Record<string, string>} [extra]
 * @returns {Record<string, string>}
 */
export function writeHeaders(token, extra = {}) {
  return { accept: "application/json", ...extra, ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

export const DEFAULT_API_URL = "http://localhost:8000";
export const TITLE_MAX = 200;
export const BODY_MAX = 20000;

/**
 * Base URL of the API (the internal load balancer); the API lives under /api on it.
 * @param {Record<string, string | undefined>} [env]
 * @returns {string}
 */
export function apiBaseUrl(env = process.env) {
  const raw = (env.API_INTERNAL_URL ?? "").trim() || DEFAULT_API_URL;
  const url = new URL(raw);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`API_INTERNAL_URL must be http(s), got ${url.protocol}`);
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * @param {unknown} value
 * @returns {value is Note}
 */
function isNote(value) {
  if (typeof value !== "object" || value === null) return false;
  const v = /** @type {Record<string, unknown>} */ (value);
  return (
    typeof v.id === "number" &&
    typeof v.title === "string" &&
    typeof v.body === "string" &&
    (v.summary === null || typeof v.summary === "string") &&
    typeof v.created_at === "string"
  );
}

/**
 * @param {{ baseUrl: string, fetchImpl?: typeof fetch, timeoutMs?: number }} options
 * @returns {Promise<NotesResult>}
 */
export async function fetchNotes({ baseUrl, fetchImpl = fetch, timeoutMs = 10000 }) {
  let response;
  try {
    response = await fetchImpl(`${baseUrl}/api/notes?limit=100`, {
      cache: "no-store",
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ok: false, error: `API unreachable: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!response.ok) {
    return { ok: false, error: `API answered ${response.status}` };
  }
  const data = await response.json().catch(() => null);
  if (!Array.isArray(data) || !data.every(isNote)) {
    return { ok: false, error: "API returned an unexpected payload" };
  }
  return { ok: true, notes: data };
}

/**
 * @param {unknown} title
 * @param {unknown} body
 * @returns {Validated}
 */
export function validateNoteInput(title, body) {
  const t = typeof title === "string" ? title.trim() : "";
  const b = typeof body === "string" ? body.trim() : "";
  if (!t) return { ok: false, error: "Title is required." };
  if (t.length > TITLE_MAX) return { ok: false, error: `Title is longer than ${TITLE_MAX} characters.` };
  if (b.length > BODY_MAX) return { ok: false, error: `Body is longer than ${BODY_MAX} characters.` };
  return { ok: true, value: { title: t, body: b } };
}

/**
 * @param {{ baseUrl: string, title: string, body: string, token?: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<Note>}
 */
export async function createNote({ baseUrl, title, body, token, fetchImpl = fetch }) {
  const response = await fetchImpl(`${baseUrl}/api/notes`, {
    method: "POST",
    headers: writeHeaders(token, { "content-type": "application/json" }),
    body: JSON.stringify({ title, body }),
    signal: AbortSignal.timeout(10000),
  });
  if (response.status !== 201) {
    throw new ApiError(`API answered ${response.status} when creating a note`, response.status);
  }
  const note = await response.json();
  if (!isNote(note)) throw new Error("API returned an unexpected payload");
  return note;
}

/**
 * Ask the API to summarize a note in the background (the worker fills `summary`).
 * @param {{ baseUrl: string, noteId: number, token?: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<{ ok: true, jobId: string } | { ok: false, error: string, status?: number }>}
 */
export async function requestSummary({ baseUrl, noteId, token, fetchImpl = fetch }) {
  if (!Number.isSafeInteger(noteId) || noteId < 1) return { ok: false, error: "Invalid note id." };
  let response;
  try {
    response = await fetchImpl(`${baseUrl}/api/notes/${noteId}/summarize`, {
      method: "POST",
      headers: writeHeaders(token),
      signal: AbortSignal.timeout(10000),
    });
  } catch (err) {
    return { ok: false, error: `API unreachable: ${err instanceof Error ? err.message : String(err)}` };
  }
  const data = await response.json().catch(() => null);
  if (response.status === 202 && data && typeof data.job_id === "string") {
    return { ok: true, jobId: data.job_id };
  }
  const detail = data && typeof data.detail === "string" ? data.detail : `API answered ${response.status}`;
  return { ok: false, error: detail, status: response.status };
}

/**
 * Stable, locale-independent timestamp for display: "2026-11-23 13:05 UTC".
 * @param {string} iso
 * @returns {string}
 */
export function formatCreatedAt(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
