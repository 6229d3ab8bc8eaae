import { cookies } from "next/headers";
import {
  confirmSignUpAction,
  createNoteAction,
  newPasswordAction,
  signInAction,
  signOutAction,
  signUpAction,
  summarizeNoteAction,
} from "./actions";
import { authConfig, CHALLENGE_COOKIE, REFRESH_COOKIE, SESSION_COOKIE, sessionState } from "../lib/auth.mjs";
import { apiBaseUrl, fetchNotes, formatCreatedAt, TITLE_MAX } from "../lib/notes.mjs";

// Rendered on every request on the server: the notes come from the API.
export const dynamic = "force-dynamic";

type PageProps = {
  searchParams: Promise<{
    error?: string | string[];
    signin_error?: string | string[];
    signup_error?: string | string[];
    queued?: string | string[];
    confirm?: string | string[];
    new_password?: string | string[];
  }>;
};

export default async function Home({ searchParams }: PageProps) {
  const params = await searchParams;
  const formError = typeof params.error === "string" ? params.error : null;
  const signInError = typeof params.signin_error === "string" ? params.signin_error : null;
  const signUpError = typeof params.signup_error === "string" ? params.signup_error : null;
  const queued = typeof params.queued === "string" ? params.queued : null;
  const confirmEmail = typeof params.confirm === "string" ? params.confirm : null;
  const auth = authConfig();
  const jar = await cookies();
  // Who the cookie names (an expired token still does while a refresh token is kept: the next
  // write refreshes it); the API verifies the token itself on every write.
  const session =
    auth.mode === "cognito" ? sessionState(jar.get(SESSION_COOKIE)?.value, Boolean(jar.get(REFRESH_COOKIE)?.value)) : null;
  // A NEW_PASSWORD_REQUIRED challenge is pending (its session is in an httpOnly cookie).
  const newPassword = auth.mode === "cognito" && !session && params.new_password === "1" && Boolean(jar.get(CHALLENGE_COOKIE)?.value);
  const selfSignUp = auth.mode === "cognito" && auth.selfSignUp && !session;
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
        ) : newPassword ? (
          <form action={newPasswordAction} aria-label="New password">
            <p className="notice">Your password was temporary: choose a new one.</p>
            <input
              name="password"
              type="password"
              autoComplete="new-password"
              placeholder="New password"
              required
              aria-label="New password"
            />
            <button type="submit">Set password and sign in</button>
            {signInError ? (
              <p className="error" role="alert" data-testid="signin-error">
                {signInError}
              </p>
            ) : null}
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
      {selfSignUp ? (
        confirmEmail !== null ? (
          <form action={confirmSignUpAction} aria-label="Confirm account">
            <p className="notice">We emailed a code to {confirmEmail}. Enter it and your password to finish.</p>
            <input type="hidden" name="email" value={confirmEmail} />
            <input name="code" inputMode="numeric" autoComplete="one-time-code" placeholder="Code" required aria-label="Code" />
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              placeholder="Password"
              required
              aria-label="Password"
            />
            <button type="submit">Confirm and sign in</button>
            {signUpError ? (
              <p className="error" role="alert" data-testid="signup-error">
                {signUpError}
              </p>
            ) : null}
          </form>
        ) : (
          <form action={signUpAction} aria-label="Sign up">
            <input name="email" type="email" autoComplete="email" placeholder="Email" required aria-label="Email" />
            <input
              name="password"
              type="password"
              autoComplete="new-password"
              placeholder="New password"
              required
              aria-label="New password"
            />
            <button type="submit">Create account</button>
            {signUpError ? (
              <p className="error" role="alert" data-testid="signup-error">
                {signUpError}
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
