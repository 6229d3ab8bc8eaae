"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import {
  authConfig,
  globalSignOut,
  readSession,
  SESSION_COOKIE,
  sessionCookieOptions,
  signIn,
  validateCredentials,
} from "../lib/auth.mjs";
import { ApiError, apiBaseUrl, createNote, requestSummary, validateNoteInput } from "../lib/notes.mjs";

const SIGN_IN_FIRST = "Sign in to write.";
const SESSION_ENDED = "Your session has ended: sign in again.";

function back(param: "error" | "signin_error", message: string): never {
  redirect(`/?${param}=${encodeURIComponent(message)}`);
}

/** The access token a write is sent with: none without sign-in (auth open), else the cookie's. */
async function writeToken(): Promise<string | undefined> {
  const auth = authConfig();
  if (auth.mode !== "cognito") return undefined;
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!readSession(token)) back("error", token ? SESSION_ENDED : SIGN_IN_FIRST);
  return token;
}

/** The API said 401: the cookie's token is no good any more (expired, pool replaced): drop it. */
async function endSession(): Promise<never> {
  (await cookies()).set(SESSION_COOKIE, "", sessionCookieOptions(0));
  back("error", SESSION_ENDED);
}

export async function signInAction(formData: FormData): Promise<void> {
  const auth = authConfig();
  if (auth.mode !== "cognito") back("signin_error", "This site has no sign-in.");
  const input = validateCredentials(formData.get("email"), formData.get("password"));
  if (!input.ok) back("signin_error", input.error);
  const result = await signIn({ endpoint: auth.endpoint, clientId: auth.clientId, ...input.value });
  if (!result.ok) back("signin_error", result.error);
  (await cookies()).set(SESSION_COOKIE, result.accessToken, sessionCookieOptions(result.expiresIn));
  redirect("/");
}

export async function signOutAction(): Promise<void> {
  const auth = authConfig();
  const jar = await cookies();
  const token = jar.get(SESSION_COOKIE)?.value;
  jar.set(SESSION_COOKIE, "", sessionCookieOptions(0));
  if (auth.mode === "cognito" && token) {
    await globalSignOut({ endpoint: auth.endpoint, accessToken: token });
  }
  redirect("/");
}

export async function createNoteAction(formData: FormData): Promise<void> {
  const token = await writeToken();
  const input = validateNoteInput(formData.get("title"), formData.get("body"));
  if (!input.ok) back("error", input.error);
  let status = 0;
  try {
    await createNote({ baseUrl: apiBaseUrl(), token, ...input.value });
  } catch (err) {
    status = err instanceof ApiError ? err.status : -1;
  }
  if (status === 401) await endSession();
  if (status !== 0) back("error", status > 0 ? `The note was not saved (the API answered ${status}).` : "The note was not saved (the API is not reachable).");
  redirect("/");
}

export async function summarizeNoteAction(formData: FormData): Promise<void> {
  const token = await writeToken();
  const noteId = Number(formData.get("note_id"));
  const result = await requestSummary({ baseUrl: apiBaseUrl(), noteId, token });
  if (!result.ok) {
    if (result.status === 401) await endSession();
    back("error", result.error);
  }
  redirect(`/?queued=${noteId}`);
}
