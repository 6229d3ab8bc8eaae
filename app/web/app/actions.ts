"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import {
  authConfig,
  CHALLENGE_COOKIE,
  challengeCookieOptions,
  confirmSignUp,
  associateSoftwareToken,
  enableSoftwareTokenMfa,
  globalSignOut,
  MFA_SETUP_COOKIE,
  mfaSetupCookieOptions,
  readSession,
  REFRESH_COOKIE,
  refreshCookieOptions,
  refreshSession,
  respondMfaCode,
  respondNewPassword,
  SESSION_COOKIE,
  sessionCookieOptions,
  signIn,
  signUp,
  tokenForWrite,
  validateCode,
  validateCredentials,
  validateTotpCode,
} from "../lib/auth.mjs";
import { ApiError, apiBaseUrl, createNote, requestSummary, validateNoteInput } from "../lib/notes.mjs";

const SIGN_IN_FIRST = "Sign in to write.";
const SESSION_ENDED = "Your session has ended: sign in again.";

type Param = "error" | "signin_error" | "signup_error" | "mfa_error";

function back(param: Param, message: string, extra = ""): never {
  redirect(`/?${param}=${encodeURIComponent(message)}${extra}`);
}

type CookieJar = Awaited<ReturnType<typeof cookies>>;
type Tokens = { accessToken: string; expiresIn: number; refreshToken?: string };
type ChallengeName = "NEW_PASSWORD_REQUIRED" | "SOFTWARE_TOKEN_MFA";
type Challenge = { challenge: ChallengeName; session: string; username: string };
const CHALLENGE_PAGE: Record<ChallengeName, string> = { NEW_PASSWORD_REQUIRED: "/?new_password=1", SOFTWARE_TOKEN_MFA: "/?mfa=1" };

/** Keeps a challenge's session in the short-lived httpOnly cookie (never in the URL) and shows
 * its form. */
function toChallenge(jar: CookieJar, challenge: Challenge): never {
  const { challenge: name, session, username } = challenge;
  jar.set(CHALLENGE_COOKIE, JSON.stringify({ challenge: name, session, username }), challengeCookieOptions());
  redirect(CHALLENGE_PAGE[name]);
}

/** The pending challenge of that name from the cookie, or undefined (none, another, mangled). */
function pendingChallenge(jar: CookieJar, name: ChallengeName): Challenge | undefined {
  let value: { challenge?: unknown; session?: unknown; username?: unknown } = {};
  try {
    value = JSON.parse(jar.get(CHALLENGE_COOKIE)?.value ?? "{}");
  } catch {
    // a mangled cookie reads as no challenge
  }
  if (value.challenge !== name || typeof value.session !== "string" || typeof value.username !== "string") return undefined;
  return { challenge: name, session: value.session, username: value.username };
}

/** Keeps a sign-in's tokens. With a refresh token the session cookie lives as long as it, so the
 * page still knows who is signed in after the access token expires (the next write refreshes). */
function keepTokens(jar: CookieJar, tokens: Tokens): void {
  if (tokens.refreshToken) {
    jar.set(REFRESH_COOKIE, tokens.refreshToken, refreshCookieOptions());
    jar.set(SESSION_COOKIE, tokens.accessToken, refreshCookieOptions());
  } else {
    jar.set(SESSION_COOKIE, tokens.accessToken, sessionCookieOptions(tokens.expiresIn));
  }
}

function dropTokens(jar: CookieJar): void {
  jar.set(SESSION_COOKIE, "", sessionCookieOptions(0));
  jar.set(REFRESH_COOKIE, "", refreshCookieOptions(0));
}

/** A new access token from the refresh cookie, kept in the session cookie; undefined if there is
 * none or Cognito refused it (then both cookies go). */
async function refreshed(jar: CookieJar): Promise<string | undefined> {
  const auth = authConfig();
  const refreshToken = jar.get(REFRESH_COOKIE)?.value;
  if (auth.mode !== "cognito" || !refreshToken) return undefined;
  const result = await refreshSession({ endpoint: auth.endpoint, clientId: auth.clientId, refreshToken });
  if (!result.ok) {
    if (result.expired) dropTokens(jar);
    return undefined;
  }
  jar.set(SESSION_COOKIE, result.accessToken, refreshCookieOptions());
  return result.accessToken;
}

/** The access token a write is sent with: none without sign-in (auth open), else the cookie's,
 * refreshed first when it has expired. */
async function writeToken(): Promise<string | undefined> {
  const auth = authConfig();
  if (auth.mode !== "cognito") return undefined;
  const jar = await cookies();
  const accessToken = jar.get(SESSION_COOKIE)?.value;
  const refreshToken = jar.get(REFRESH_COOKIE)?.value;
  const result = await tokenForWrite({ endpoint: auth.endpoint, clientId: auth.clientId, accessToken, refreshToken });
  if (result.ok) {
    if (result.refreshed) jar.set(SESSION_COOKIE, result.accessToken, refreshCookieOptions());
    return result.accessToken;
  }
  if (!result.signedOut) back("error", "Sign-in is not available right now; try again later.");
  if (accessToken || refreshToken) dropTokens(jar);
  back("error", accessToken || refreshToken ? SESSION_ENDED : SIGN_IN_FIRST);
}

/**
 * Runs a write with the session's token; if the API answers 401 (the token expired on the way, or
 * the pool was replaced) it refreshes once and tries again; a second 401 ends the session.
 */
async function withToken<T extends { status: number }>(write: (token: string | undefined) => Promise<T>): Promise<T> {
  const first = await write(await writeToken());
  if (first.status !== 401) return first;
  const jar = await cookies();
  const fresh = await refreshed(jar);
  const second = fresh ? await write(fresh) : first;
  if (second.status === 401) {
    dropTokens(jar);
    back("error", SESSION_ENDED);
  }
  return second;
}

export async function signInAction(formData: FormData): Promise<void> {
  const auth = authConfig();
  if (auth.mode !== "cognito") back("signin_error", "This site has no sign-in.");
  const input = validateCredentials(formData.get("email"), formData.get("password"));
  if (!input.ok) back("signin_error", input.error);
  const result = await signIn({ endpoint: auth.endpoint, clientId: auth.clientId, ...input.value });
  const jar = await cookies();
  if (!result.ok) {
    // A temporary password or TOTP MFA: the challenge's session waits in a short-lived cookie.
    if (result.challenge) toChallenge(jar, result);
    back("signin_error", result.error);
  }
  keepTokens(jar, result);
  redirect("/");
}

export async function newPasswordAction(formData: FormData): Promise<void> {
  const auth = authConfig();
  if (auth.mode !== "cognito") back("signin_error", "This site has no sign-in.");
  const jar = await cookies();
  const challenge = pendingChallenge(jar, "NEW_PASSWORD_REQUIRED");
  if (!challenge) back("signin_error", "That took too long: sign in again with the temporary password.");
  const password = formData.get("password");
  if (typeof password !== "string" || !password || password.length > 256) {
    back("signin_error", "Choose a new password.", "&new_password=1");
  }
  const result = await respondNewPassword({
    endpoint: auth.endpoint,
    clientId: auth.clientId,
    session: challenge.session,
    username: challenge.username,
    newPassword: password,
  });
  if (!result.ok) {
    // The user has TOTP MFA on as well: the code comes next, with the new challenge session.
    if (result.challenge === "SOFTWARE_TOKEN_MFA") toChallenge(jar, result);
    // A wrong new password keeps the challenge (its session is still good for a retry).
    back("signin_error", result.challenge ? "Sign in again." : result.error, "&new_password=1");
  }
  jar.set(CHALLENGE_COOKIE, "", challengeCookieOptions(0));
  keepTokens(jar, result);
  redirect("/");
}

/** The second sign-in step of a user with TOTP MFA on: the authenticator app's code. */
export async function mfaCodeAction(formData: FormData): Promise<void> {
  const auth = authConfig();
  if (auth.mode !== "cognito") back("signin_error", "This site has no sign-in.");
  const jar = await cookies();
  const challenge = pendingChallenge(jar, "SOFTWARE_TOKEN_MFA");
  if (!challenge) back("signin_error", "That took too long: sign in again.");
  const code = validateTotpCode(formData.get("code"));
  if (!code.ok) back("signin_error", code.error, "&mfa=1");
  const result = await respondMfaCode({
    endpoint: auth.endpoint,
    clientId: auth.clientId,
    session: challenge.session,
    username: challenge.username,
    code: code.value,
  });
  if (!result.ok) {
    // A wrong or reused code may be tried again with the same session; anything else ends it.
    if ("retry" in result && result.retry) back("signin_error", result.error, "&mfa=1");
    jar.set(CHALLENGE_COOKIE, "", challengeCookieOptions(0));
    back("signin_error", "error" in result ? result.error : "Sign in again.");
  }
  jar.set(CHALLENGE_COOKIE, "", challengeCookieOptions(0));
  keepTokens(jar, result);
  redirect("/");
}

/** TOTP set-up, step 1: a new secret from Cognito for the signed-in user, shown on the page. */
export async function startMfaSetupAction(): Promise<void> {
  const auth = authConfig();
  if (auth.mode !== "cognito" || !auth.mfa) back("mfa_error", "This site does not offer two-step sign-in.");
  const token = await writeToken();
  if (!token) back("error", SIGN_IN_FIRST);
  const result = await associateSoftwareToken({ endpoint: auth.endpoint, accessToken: token });
  if (!result.ok) back("mfa_error", result.error);
  (await cookies()).set(MFA_SETUP_COOKIE, result.secret, mfaSetupCookieOptions());
  redirect("/?mfa_setup=1");
}

/** TOTP set-up, step 2: the app's first code proves it has the secret; then MFA is on. */
export async function verifyMfaSetupAction(formData: FormData): Promise<void> {
  const auth = authConfig();
  if (auth.mode !== "cognito" || !auth.mfa) back("mfa_error", "This site does not offer two-step sign-in.");
  const jar = await cookies();
  if (!jar.get(MFA_SETUP_COOKIE)?.value) back("mfa_error", "That took too long: start the set-up again.");
  const code = validateTotpCode(formData.get("code"));
  if (!code.ok) back("mfa_error", code.error, "&mfa_setup=1");
  const token = await writeToken();
  if (!token) back("error", SIGN_IN_FIRST);
  const result = await enableSoftwareTokenMfa({ endpoint: auth.endpoint, accessToken: token, code: code.value });
  if (!result.ok) back("mfa_error", result.error, "&mfa_setup=1");
  jar.set(MFA_SETUP_COOKIE, "", mfaSetupCookieOptions(0));
  redirect("/?mfa_on=1");
}

export async function cancelMfaSetupAction(): Promise<void> {
  (await cookies()).set(MFA_SETUP_COOKIE, "", mfaSetupCookieOptions(0));
  redirect("/");
}

export async function signUpAction(formData: FormData): Promise<void> {
  const auth = authConfig();
  if (auth.mode !== "cognito" || !auth.selfSignUp) back("signup_error", "This site does not take sign-ups.");
  const input = validateCredentials(formData.get("email"), formData.get("password"));
  if (!input.ok) back("signup_error", input.error);
  const result = await signUp({ endpoint: auth.endpoint, clientId: auth.clientId, ...input.value });
  if (!result.ok) back("signup_error", result.error);
  if (result.confirmed) back("signin_error", "Your account is ready: sign in.");
  redirect(`/?confirm=${encodeURIComponent(input.value.email)}`);
}

export async function confirmSignUpAction(formData: FormData): Promise<void> {
  const auth = authConfig();
  if (auth.mode !== "cognito" || !auth.selfSignUp) back("signup_error", "This site does not take sign-ups.");
  const input = validateCredentials(formData.get("email"), formData.get("password"));
  const again = `&confirm=${encodeURIComponent(String(formData.get("email") ?? ""))}`;
  if (!input.ok) back("signup_error", input.error, again);
  const code = validateCode(formData.get("code"));
  if (!code.ok) back("signup_error", code.error, again);
  const confirmed = await confirmSignUp({ endpoint: auth.endpoint, clientId: auth.clientId, email: input.value.email, code: code.value });
  if (!confirmed.ok) back("signup_error", confirmed.error, again);
  // Confirmed: sign in with the password just given (never stored between the two forms).
  const result = await signIn({ endpoint: auth.endpoint, clientId: auth.clientId, ...input.value });
  if (!result.ok) back("signin_error", result.challenge ? "Sign in again." : `Your account is confirmed. ${result.error}`);
  keepTokens(await cookies(), result);
  redirect("/");
}

export async function signOutAction(): Promise<void> {
  const auth = authConfig();
  const jar = await cookies();
  let token = jar.get(SESSION_COOKIE)?.value;
  const hadRefresh = Boolean(jar.get(REFRESH_COOKIE)?.value);
  // GlobalSignOut takes a valid access token; an expired one is refreshed first, so that the
  // refresh token is revoked too.
  if (auth.mode === "cognito" && hadRefresh && !readSession(token)) token = await refreshed(jar);
  dropTokens(jar);
  jar.set(MFA_SETUP_COOKIE, "", mfaSetupCookieOptions(0));
  if (auth.mode === "cognito" && token) {
    await globalSignOut({ endpoint: auth.endpoint, accessToken: token });
  }
  redirect("/");
}

export async function createNoteAction(formData: FormData): Promise<void> {
  const input = validateNoteInput(formData.get("title"), formData.get("body"));
  if (!input.ok) back("error", input.error);
  const { status } = await withToken(async (token) => {
    try {
      await createNote({ baseUrl: apiBaseUrl(), token, ...input.value });
      return { status: 0 };
    } catch (err) {
      return { status: err instanceof ApiError ? err.status : -1 };
    }
  });
  if (status !== 0) back("error", status > 0 ? `The note was not saved (the API answered ${status}).` : "The note was not saved (the API is not reachable).");
  redirect("/");
}

export async function summarizeNoteAction(formData: FormData): Promise<void> {
  const noteId = Number(formData.get("note_id"));
  const result = await withToken(async (token) => {
    const r = await requestSummary({ baseUrl: apiBaseUrl(), noteId, token });
    return { ...r, status: r.ok ? 0 : (r.status ?? -1) };
  });
  if (!result.ok) back("error", result.error);
  redirect(`/?queued=${noteId}`);
}
