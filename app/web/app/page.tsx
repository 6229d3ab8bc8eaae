import { cookies } from "next/headers";
import {
  cancelMfaSetupAction,
  confirmSignUpAction,
  createNoteAction,
  mfaCodeAction,
  newPasswordAction,
  signInAction,
  signOutAction,
  signUpAction,
  startMfaSetupAction,
  summarizeNoteAction,
  verifyMfaSetupAction,
} from "./actions";
import {
  authConfig,
  CHALLENGE_COOKIE,
  MFA_SETUP_COOKIE,
  otpauthUri,
  REFRESH_COOKIE,
  SESSION_COOKIE,
  sessionState,
} from "../lib/auth.mjs";
import { apiBaseUrl, fetchNotes, formatCreatedAt, TITLE_MAX } from "../lib/notes.mjs";

// Rendered on every request on the server: the notes come from the API.
export const dynamic = "force-dynamic";

/** A form's error message, announced to screen readers; nothing when there is none. */
function FormError({ message, testId }: { message: string | null | undefined; testId: string }) {
  return message ? (
    <p className="error" role="alert" data-testid={testId}>
      {message}
    </p>
  ) : null;
}

/** The password field of the sign-in, sign-up and new-password forms. */
function PasswordInput({ autoComplete, label }: { autoComplete: string; label: string }) {
  return (
    <input name="password" type="password" autoComplete={autoComplete} placeholder={label} required aria-label={label} />
  );
}

/** The 6-digit code field of the two-step sign-in forms (set-up and sign-in). */
function TotpCodeInput() {
  return (
    <input
      name="code"
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9]{6}"
      placeholder="6-digit code"
      required
      aria-label="Code"
    />
  );
}

type PageProps = {
  searchParams: Promise<{
    error?: string | string[];
    signin_error?: string | string[];
    signup_error?: string | string[];
    queued?: string | string[];
    confirm?: string | string[];
    new_password?: string | string[];
    mfa?: string | string[];
    mfa_setup?: string | string[];
    mfa_error?: string | string[];
    mfa_on?: string | string[];
  }>;
};

export default async function Home({ searchParams }: PageProps) {
  const params = await searchParams;
  const formError = typeof params.error === "string" ? params.error : null;
  const signInError = typeof params.signin_error === "string" ? params.signin_error : null;
  const signUpError = typeof params.signup_error === "string" ? params.signup_error : null;
  const queued = typeof params.queued === "string" ? params.queued : null;
  const confirmEmail = typeof params.confirm === "string" ? params.confirm : null;
  const mfaError = typeof params.mfa_error === "string" ? params.mfa_error : null;
  const auth = authConfig();
  const jar = await cookies();
  // Who the cookie names (an expired token still does while a refresh token is kept: the next
  // write refreshes it); the API verifies the token itself on every write.
  const session =
    auth.mode === "cognito" ? sessionState(jar.get(SESSION_COOKIE)?.value, Boolean(jar.get(REFRESH_COOKIE)?.value)) : null;
  // A NEW_PASSWORD_REQUIRED challenge is pending (its session is in an httpOnly cookie).
  const newPassword = auth.mode === "cognito" && !session && params.new_password === "1" && Boolean(jar.get(CHALLENGE_COOKIE)?.value);
  // A SOFTWARE_TOKEN_MFA challenge is pending: the page asks for the authenticator app's code.
  const mfaCode = auth.mode === "cognito" && !session && params.mfa === "1" && Boolean(jar.get(CHALLENGE_COOKIE)?.value);
  // TOTP set-up (the pool allows MFA): the secret Cognito handed out waits in an httpOnly cookie.
  const mfaOffered = auth.mode === "cognito" && auth.mfa && session !== null;
  const mfaSecret = mfaOffered && params.mfa_setup === "1" ? (jar.get(MFA_SETUP_COOKIE)?.value ?? "") : "";
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
          <>
            <form action={signOutAction} className="account" aria-label="Account">
              <span data-testid="signed-in">Signed in as {session.username}</span>
              <button type="submit" className="secondary">
                Sign out
              </button>
            </form>
            {mfaOffered && mfaSecret ? (
              <form action={verifyMfaSetupAction} aria-label="Set up two-step sign-in">
                <p className="notice">
                  Add this key to an authenticator app (time-based, 6 digits), then type the code it shows.
                </p>
                <p>
                  Key: <code data-testid="mfa-secret">{mfaSecret}</code>
                </p>
                <p>
                  Or open this link on the device with the app:{" "}
                  <a href={otpauthUri({ secret: mfaSecret, account: session.username })} data-testid="mfa-uri">
                    {otpauthUri({ secret: mfaSecret, account: session.username })}
                  </a>
                </p>
                <TotpCodeInput />
                <button type="submit">Turn on two-step sign-in</button>
                <button type="submit" formAction={cancelMfaSetupAction} formNoValidate className="secondary">
                  Cancel
                </button>
              </form>
            ) : mfaOffered ? (
              <form action={startMfaSetupAction} aria-label="Two-step sign-in">
                {params.mfa_on === "1" ? (
                  <p className="notice" role="status" data-testid="mfa-on">
                    Two-step sign-in is on: from now on, signing in asks for a code from your app.
                  </p>
                ) : null}
                <button type="submit" className="secondary">
                  Set up two-step sign-in (authenticator app)
                </button>
              </form>
            ) : null}
            <FormError message={mfaError} testId="mfa-error" />
          </>
        ) : mfaCode ? (
          <form action={mfaCodeAction} aria-label="Sign-in code">
            <p className="notice">Type the 6-digit code from your authenticator app.</p>
            <TotpCodeInput />
            <button type="submit">Sign in</button>
            <FormError message={signInError} testId="signin-error" />
          </form>
        ) : newPassword ? (
          <form action={newPasswordAction} aria-label="New password">
            <p className="notice">Your password was temporary: choose a new one.</p>
            <PasswordInput autoComplete="new-password" label="New password" />
            <button type="submit">Set password and sign in</button>
            <FormError message={signInError} testId="signin-error" />
          </form>
        ) : (
          <form action={signInAction} aria-label="Sign in">
            <input name="email" type="email" autoComplete="username" placeholder="Email" required aria-label="Email" />
            <PasswordInput autoComplete="current-password" label="Password" />
            <button type="submit">Sign in</button>
            <FormError message={signInError} testId="signin-error" />
          </form>
        )
      ) : null}
      {selfSignUp ? (
        confirmEmail !== null ? (
          <form action={confirmSignUpAction} aria-label="Confirm account">
            <p className="notice">We emailed a code to {confirmEmail}. Enter it and your password to finish.</p>
            <input type="hidden" name="email" value={confirmEmail} />
            <input name="code" inputMode="numeric" autoComplete="one-time-code" placeholder="Code" required aria-label="Code" />
            <PasswordInput autoComplete="current-password" label="Password" />
            <button type="submit">Confirm and sign in</button>
            <FormError message={signUpError} testId="signup-error" />
          </form>
        ) : (
          <form action={signUpAction} aria-label="Sign up">
            <input name="email" type="email" autoComplete="email" placeholder="Email" required aria-label="Email" />
            <PasswordInput autoComplete="new-password" label="New password" />
            <button type="submit">Create account</button>
            <FormError message={signUpError} testId="signup-error" />
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
