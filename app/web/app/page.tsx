import { createNoteAction, summarizeNoteAction } from "./actions";
import { apiBaseUrl, fetchNotes, formatCreatedAt, TITLE_MAX } from "../lib/notes.mjs";

// Rendered on every request on the server: the notes come from the API.
export const dynamic = "force-dynamic";

type PageProps = { searchParams: Promise<{ error?: string | string[]; queued?: string | string[] }> };

export default async function Home({ searchParams }: PageProps) {
  const params = await searchParams;
  const formError = typeof params.error === "string" ? params.error : null;
  const queued = typeof params.queued === "string" ? params.queued : null;
  const result = await fetchNotes({ baseUrl: apiBaseUrl() });

  return (
    <main>
      <h1>Notes</h1>
      <p className="lead">Server-side rendered from the notes API.</p>

      <form action={createNoteAction} aria-label="New note">
        <input name="title" placeholder="Title" required maxLength={TITLE_MAX} aria-label="Title" />
        <textarea name="body" placeholder="Write something…" rows={3} aria-label="Body" />
        <button type="submit">Add note</button>
      </form>
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
                <form action={summarizeNoteAction} className="inline">
                  <input type="hidden" name="note_id" value={note.id} />
                  <button type="submit" className="secondary">
                    {note.summary ? "Summarize again" : "Summarize"}
                  </button>
                </form>
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
