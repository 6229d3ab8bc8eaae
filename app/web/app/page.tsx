import { cookies } from "next/headers";
import { createNoteAction, signInAction, signOutAction, summarizeNoteAction } from "./actions";
import { authConfig, readSession, SESSION_COOKIE } from "../lib/auth.mjs";
import { apiBaseUrl, fetchNotes, formatCreatedAt, TITLE_MAX } from "../lib/notes.mjs";

// Rendered on every request on the server: the notes come from the API.
export const dynamic = "force-dynamic";

type PageProps = {
  searchParams: Promise<{ error?: string | string[]; signin_error?: string | string[]; queued?: string | string[] }>;
};

export default async function Home({ searchParams }: PageProps) {
  const params = await searchParams;
  const formError = typeof params.error === "string" ? params.error : null;
  const signInError = typeof params.signin_error === "string" ? params.signin_error : null;
  const queued = typeof params.queued === "string" ? params.queued : null;
  const auth = authConfig();
  // Who the cookie names; the API verifies the token itself on every write.
  const session = auth.mode === "cognito" ? readSession((await cookies()).get(SESSION_COOKIE)?.value) : null;
  // Anyone reads; writing needs a sign-in (cognito), nothing (open), or is off (none).
  const canWrite = auth.mode === "open" || session !== null;
  const result = await fetchNotes({ baseUrl: apiBaseUrl() });

  return (
    <main>
      <h1>Notes</h1>
      <p className="lead">Server-side rendered from the notes API.</p>

      {auth.mode === "cognito" ? (
        session ? (
          <form action={signOutAction} className="account" aria-label="Account">
            <span data-testid="signed-in">Signed in as {session.username}</span>
            <button type="submit" className="secondary">
              Sign out
            </button>
          </form>
        ) : (
          <form action={signInAction} aria-label="Sign in">
            <input name="email" type="email" autoComplete="username" placeholder="Email" required aria-label="Email" />
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              placeholder="Password"
              required
              aria-label="Password"
            />
            <button type="submit">Sign in</button>
            {signInError ? (
              <p className="error" role="alert" data-testid="signin-error">
                {signInError}
              </p>
            ) : null}
          </form>
        )
      ) : null}
      {auth.mode === "none" ? <p className="notice">This site is read-only.</p> : null}

      {canWrite ? (
        <form action={createNoteAction} aria-label="New note">
          <input name="title" placeholder="Title" required maxLength={TITLE_MAX} aria-label="Title" />
          <textarea name="body" placeholder="Write something…" rows={3} aria-label="Body" />
          <button type="submit">Add note</button>
        </form>
      ) : null}
      {formError ? (
        <p className="error" role="alert">
          {formError}
        </p>
      ) : null}
      {queued ? (
        <p className="notice" role="status" data-testid="queued">
          Summary of note {queued} requested; the worker adds it in a moment (reload to see it).
        </p>
      ) : null}

      {result.ok ? (
        result.notes.length === 0 ? (
          <p data-testid="empty">No notes yet.</p>
        ) : (
          <ul className="notes" data-testid="notes">
            {result.notes.map((note) => (
              <li key={note.id} className="note" data-note-id={note.id}>
                <h2>{note.title}</h2>
                {note.body ? <p>{note.body}</p> : null}
                {note.summary ? <p className="summary">Summary: {note.summary}</p> : null}
                <time dateTime={note.created_at}>{formatCreatedAt(note.created_at)}</time>
                {canWrite ? (
                  <form action={summarizeNoteAction} className="inline">
                    <input type="hidden" name="note_id" value={note.id} />
                    <button type="submit" className="secondary">
                      {note.summary ? "Summarize again" : "Summarize"}
                    </button>
                  </form>
                ) : null}
              </li>
            ))}
          </ul>
        )
      ) : (
        <div className="error" role="status" data-testid="api-error">
          The notes API is not available right now ({result.error}).
        </div>
      )}
    </main>
  );
}
