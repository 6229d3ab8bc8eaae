// Signing users in and out with the stack's Amazon Cognito user pool, from the Next.js server.
// Plain ES module with JSDoc types so that `node --test` can test it directly.
//
// The browser never talks to Cognito: the sign-in form posts to a server action, which calls
// Cognito's InitiateAuth (USER_PASSWORD_AUTH) and keeps the access token in an httpOnly cookie.
// InitiateAuth and GlobalSignOut are public operations of the cognito-idp JSON API: they take
// no AWS signature (botocore's cognito-idp model marks them `smithy.api#noAuth`), so a plain
// fetch does, and the app client has no secret (no SECRET_HASH).
//
// Which mode the site runs in comes from the task's environment (app/contract.json):
// - USER_POOL_CLIENT_ID and USER_POOL_ISSUER set (`auth: cognito`): sign-in; writes need it;
// - else ALLOW_ANONYMOUS_WRITES=true (`auth: open`): anyone may write, no sign-in;
// - else (`auth: none`): read-only; the shipped API refuses every write.

/**
 * @typedef {{ mode: "cognito", clientId: string, endpoint: string, selfSignUp: boolean, mfa: boolean } | { mode: "open" } | { mode: "none" }} AuthConfig
 * @typedef {{ ok: true, accessToken: string, expiresIn: number, refreshToken?: string }} Tokens
 * @typedef {{ ok: false, challenge: "NEW_PASSWORD_REQUIRED" | "SOFTWARE_TOKEN_MFA", session: string, username: string }} Challenge
 * @typedef {Tokens | Challenge | { ok: false, error: string, challenge?: undefined }} SignInResult
 * @typedef {{ username: string, expiresAt: number }} Session
 */

export const SESSION_COOKIE = "session";
// Cognito's refresh token, in its own cookie. It lives as long as the app client's refresh
// tokens: `refresh_token_days` in components/security/user_pool.py (30 days; the stack does not
// change it). Token revocation is on there, so GlobalSignOut makes it useless at once.
export const REFRESH_COOKIE = "refresh";
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60;
// A NEW_PASSWORD_REQUIRED or SOFTWARE_TOKEN_MFA challenge's name, session (Cognito's, valid 3
// minutes) and username, kept between the sign-in form and the new-password or code form.
export const CHALLENGE_COOKIE = "challenge";
// TOTP set-up: the secret AssociateSoftwareToken handed out, kept (httpOnly) while the signed-in
// user adds it to an authenticator app and types the first code; then deleted.
export const MFA_SETUP_COOKIE = "mfa_setup";
export const MFA_SETUP_SECONDS = 10 * 60;
// The name an authenticator app shows next to the codes (the otpauth:// URI's issuer).
export const MFA_ISSUER = "Notes";
/** A token this close to its `exp` is refreshed before a write, so it does not expire on its way
 * to the API (and clocks a few seconds apart do not matter). */
export const REFRESH_MARGIN_SECONDS = 30;
export const CHALLENGE_SECONDS = 180;
// The cookie never outlives the token: Max-Age is the token's lifetime (Cognito's ExpiresIn),
// capped at this (the app client's access tokens last an hour; Cognito allows up to a day).
export const MAX_SESSION_SECONDS = 24 * 60 * 60;
const TARGET_PREFIX = "AWSCognitoIdentityProviderService";
// The pool's issuer is https://cognito-idp.<region>.amazonaws.com/<pool id> (AWS, "Verifying a
// JSON web token"); the regional cognito-idp endpoint is the issuer's origin.
const ISSUER_RE = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[^/]+$/;

/**
 * @param {Record<string, string | undefined>} [env]
 * @returns {AuthConfig}
 */
export function authConfig(env = process.env) {
  const clientId = (env.USER_POOL_CLIENT_ID ?? "").trim();
  const issuer = (env.USER_POOL_ISSUER ?? "").trim();
  if (clientId || issuer) {
    if (!clientId || !issuer) {
      throw new Error("USER_POOL_CLIENT_ID and USER_POOL_ISSUER are set together or not at all");
    }
    if (!ISSUER_RE.test(issuer)) {
      throw new Error(`USER_POOL_ISSUER must be https://cognito-idp.<region>.amazonaws.com/<pool id>, got ${issuer}`);
    }
    // COGNITO_ENDPOINT is for tests only (moto's cognito-idp); deployed stacks never set it.
    const endpoint = (env.COGNITO_ENDPOINT ?? "").trim() || new URL(issuer).origin;
    // SELF_SIGN_UP=true (the stack's selfSignUp dial): the page offers Cognito's SignUp.
    const selfSignUp = (env.SELF_SIGN_UP ?? "").trim().toLowerCase() === "true";
    // MFA=optional (the pool allows TOTP MFA: the mvp profile): signed-in users may set it up.
    const mfaValue = (env.MFA ?? "").trim().toLowerCase();
    if (mfaValue !== "" && mfaValue !== "optional") throw new Error(`MFA must be "optional" or unset, got ${env.MFA}`);
    return { mode: "cognito", clientId, endpoint: endpoint.replace(/\/+$/, ""), selfSignUp, mfa: mfaValue === "optional" };
  }
  if ((env.ALLOW_ANONYMOUS_WRITES ?? "").trim().toLowerCase() === "true") return { mode: "open" };
  return { mode: "none" };
}

/**
 * One call of the cognito-idp JSON API. Never throws: a network error is `{ status: 0 }`.
 * @param {{ endpoint: string, operation: string, body: object, fetchImpl?: typeof fetch }} options
 * @returns {Promise<{ status: number, data: Record<string, any> }>}
 */
async function callCognito({ endpoint, operation, body, fetchImpl = fetch }) {
  let response;
  try {
    response = await fetchImpl(`${endpoint}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `${TARGET_PREFIX}.${operation}`,
      },
      body: JSON.stringify(body),
      cache: "no-store",
      signal: AbortSignal.timeout(10000),
    });
  } catch {
    return { status: 0, data: {} };
  }
  const data = await response.json().catch(() => ({}));
  return { status: response.status, data: data && typeof data === "object" ? data : {} };
}

/**
 * The error type of a cognito-idp error answer (`__type`, maybe prefixed with a namespace).
 * @param {Record<string, any>} data
 */
function errorType(data) {
  const raw = typeof data.__type === "string" ? data.__type : "";
  return raw.slice(raw.lastIndexOf("#") + 1);
}

/** What a person is told; never Cognito's own text or a stack trace. */
const SIGN_IN_ERRORS = /** @type {Record<string, string>} */ ({
  // Unknown user and wrong password read the same (the app client prevents user-existence errors).
  NotAuthorizedException: "Wrong email or password.",
  UserNotFoundException: "Wrong email or password.",
  UserNotConfirmedException: "This account is not confirmed yet: confirm your email address first.",
  PasswordResetRequiredException: "This account needs a new password: ask an administrator to reset it.",
  TooManyRequestsException: "Too many sign-in attempts; wait a minute and try again.",
  LimitExceededException: "Too many sign-in attempts; wait a minute and try again.",
  InvalidParameterException: "Enter your email address and password.",
});
const UNAVAILABLE = "Sign-in is not available right now; try again later.";

/**
 * @param {unknown} email
 * @param {unknown} password
 * @returns {{ ok: true, value: { email: string, password: string } } | { ok: false, error: string }}
 */
export function validateCredentials(email, password) {
  const e = typeof email === "string" ? email.trim() : "";
  const p = typeof password === "string" ? password : "";
  if (!e || !p) return { ok: false, error: "Enter your email address and password." };
  if (e.length > 254 || p.length > 256) return { ok: false, error: "Wrong email or password." };
  return { ok: true, value: { email: e, password: p } };
}

/**
 * The tokens of a successful InitiateAuth or RespondToAuthChallenge answer, or a
 * NEW_PASSWORD_REQUIRED or SOFTWARE_TOKEN_MFA challenge, or a plain message.
 * @param {Record<string, any>} data
 * @param {string} [signInName] what the user signed in with: the challenge's username when
 *   Cognito's answer names none (SOFTWARE_TOKEN_MFA's ChallengeParameters may be empty)
 * @returns {SignInResult}
 */
function authResult(data, signInName = "") {
  const result = data.AuthenticationResult;
  if (result && typeof result.AccessToken === "string") {
    const expiresIn = Number(result.ExpiresIn);
    return {
      ok: true,
      accessToken: result.AccessToken,
      expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600,
      ...(typeof result.RefreshToken === "string" ? { refreshToken: result.RefreshToken } : {}),
    };
  }
  const challenge = data.ChallengeName;
  if (challenge === "NEW_PASSWORD_REQUIRED" && typeof data.Session === "string") {
    // An administrator's temporary password: the user chooses a new one (RespondToAuthChallenge).
    const username = data.ChallengeParameters?.USERNAME;
    if (typeof username === "string" && username) return { ok: false, challenge, session: data.Session, username };
  }
  if (challenge === "SOFTWARE_TOKEN_MFA" && typeof data.Session === "string") {
    // TOTP MFA is on for this user: the page asks for the authenticator app's code. The answer
    // names the user as USER_ID_FOR_SRP (Cognito's internal name); else the name signed in with.
    const params = data.ChallengeParameters ?? {};
    const username = [params.USER_ID_FOR_SRP, params.USERNAME, signInName].find((n) => typeof n === "string" && n);
    if (username) return { ok: false, challenge, session: data.Session, username };
  }
  if (typeof challenge === "string") {
    // SMS_MFA, EMAIL_OTP, MFA_SETUP, ...: the pool offers none of these (TOTP only).
    return { ok: false, error: "This account needs a sign-in step this site does not offer; ask an administrator." };
  }
  return { ok: false, error: UNAVAILABLE };
}

/**
 * USER_PASSWORD_AUTH with the app client (no secret).
 * @param {{ endpoint: string, clientId: string, email: string, password: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<SignInResult>}
 */
export async function signIn({ endpoint, clientId, email, password, fetchImpl }) {
  const { status, data } = await callCognito({
    endpoint,
    operation: "InitiateAuth",
    body: { AuthFlow: "USER_PASSWORD_AUTH", ClientId: clientId, AuthParameters: { USERNAME: email, PASSWORD: password } },
    fetchImpl,
  });
  if (status === 200) return authResult(data, email);
  if (status === 0 || status >= 500) return { ok: false, error: UNAVAILABLE };
  return { ok: false, error: SIGN_IN_ERRORS[errorType(data)] ?? UNAVAILABLE };
}

/**
 * REFRESH_TOKEN_AUTH: a new access token for the refresh token (Cognito does not hand out a new
 * refresh token here unless the app client rotates them, which ours does not).
 * @param {{ endpoint: string, clientId: string, refreshToken: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<{ ok: true, accessToken: string, expiresIn: number } | { ok: false, expired: boolean }>}
 *   expired: Cognito refused the refresh token (revoked, expired): the user signs in again
 */
export async function refreshSession({ endpoint, clientId, refreshToken, fetchImpl }) {
  const { status, data } = await callCognito({
    endpoint,
    operation: "InitiateAuth",
    body: { AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } },
    fetchImpl,
  });
  if (status === 200) {
    const result = authResult(data);
    if (result.ok) return { ok: true, accessToken: result.accessToken, expiresIn: result.expiresIn };
    return { ok: false, expired: false };
  }
  return { ok: false, expired: status >= 400 && status < 500 && errorType(data) === "NotAuthorizedException" };
}

/**
 * The access token to send with a write: the session cookie's while it has more than
 * REFRESH_MARGIN_SECONDS left, else a new one from the refresh token (REFRESH_TOKEN_AUTH) before the write.
 * @param {{ endpoint: string, clientId: string, accessToken: string | undefined, refreshToken: string | undefined, nowSeconds?: number, fetchImpl?: typeof fetch }} options
 * @returns {Promise<{ ok: true, accessToken: string, refreshed: boolean } | { ok: false, signedOut: boolean }>}
 *   signedOut: there is no usable session any more (drop the cookies); else Cognito is unreachable
 */
export async function tokenForWrite({ endpoint, clientId, accessToken, refreshToken, nowSeconds = Date.now() / 1000, fetchImpl }) {
  if (accessToken && readSession(accessToken, nowSeconds + REFRESH_MARGIN_SECONDS)) return { ok: true, accessToken, refreshed: false };
  if (!refreshToken) return { ok: false, signedOut: true };
  const result = await refreshSession({ endpoint, clientId, refreshToken, fetchImpl });
  if (result.ok) return { ok: true, accessToken: result.accessToken, refreshed: true };
  return { ok: false, signedOut: result.expired };
}

/** Cognito's password-policy and code errors, as the sign-up and new-password forms say them. */
const ACCOUNT_ERRORS = /** @type {Record<string, string>} */ ({
  InvalidPasswordException:
    "The password does not meet the policy: at least 12 characters, with a lower-case letter, an upper-case letter and a digit.",
  UsernameExistsException: "An account with this email address exists already: sign in instead.",
  CodeMismatchException: "That code is not right: check the email and try again.",
  ExpiredCodeException: "That code has expired: sign up again to get a new one.",
  NotAuthorizedException: "This cannot be done: sign in again or ask an administrator.",
  UserNotFoundException: "This cannot be done: sign in again or ask an administrator.",
  TooManyRequestsException: "Too many attempts; wait a minute and try again.",
  LimitExceededException: "Too many attempts; wait a minute and try again.",
  TooManyFailedAttemptsException: "Too many attempts; wait a minute and try again.",
  InvalidParameterException: "Enter a valid email address and password.",
  CodeDeliveryFailureException: "The confirmation email could not be sent; try again later.",
});

/**
 * Cognito's own wording of a password-policy failure ("Password did not conform with policy:
 * Password must have uppercase characters") names the rule that failed; it is shown only when it
 * has exactly that plain shape, else the policy in our words.
 * @param {Record<string, any>} data
 */
function accountError(data) {
  const type = errorType(data);
  const message = typeof data.message === "string" ? data.message : typeof data.Message === "string" ? data.Message : "";
  const policy = /^Password did not conform with policy: ([A-Za-z ]{1,80})$/.exec(message);
  if (type === "InvalidPasswordException" && policy) return `The password does not meet the policy: ${policy[1].toLowerCase()}.`;
  return ACCOUNT_ERRORS[type] ?? UNAVAILABLE;
}

/**
 * Cognito's SignUp (the pool must allow it: the stack's selfSignUp dial). The email is the
 * username; Cognito emails a code to confirm it.
 * @param {{ endpoint: string, clientId: string, email: string, password: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<{ ok: true, confirmed: boolean } | { ok: false, error: string }>}
 */
export async function signUp({ endpoint, clientId, email, password, fetchImpl }) {
  const { status, data } = await callCognito({
    endpoint,
    operation: "SignUp",
    body: { ClientId: clientId, Username: email, Password: password, UserAttributes: [{ Name: "email", Value: email }] },
    fetchImpl,
  });
  if (status === 200) return { ok: true, confirmed: data.UserConfirmed === true };
  if (status === 0 || status >= 500) return { ok: false, error: UNAVAILABLE };
  return { ok: false, error: accountError(data) };
}

/**
 * ConfirmSignUp with the emailed code.
 * @param {{ endpoint: string, clientId: string, email: string, code: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<{ ok: true } | { ok: false, error: string }>}
 */
export async function confirmSignUp({ endpoint, clientId, email, code, fetchImpl }) {
  const { status, data } = await callCognito({
    endpoint,
    operation: "ConfirmSignUp",
    body: { ClientId: clientId, Username: email, ConfirmationCode: code },
    fetchImpl,
  });
  if (status === 200) return { ok: true };
  if (status === 0 || status >= 500) return { ok: false, error: UNAVAILABLE };
  return { ok: false, error: accountError(data) };
}

/**
 * Answers a NEW_PASSWORD_REQUIRED challenge with the password the user chose.
 * @param {{ endpoint: string, clientId: string, session: string, username: string, newPassword: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<SignInResult>}
 */
export async function respondNewPassword({ endpoint, clientId, session, username, newPassword, fetchImpl }) {
  const { status, data } = await callCognito({
    endpoint,
    operation: "RespondToAuthChallenge",
    body: {
      ClientId: clientId,
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session: session,
      ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
    },
    fetchImpl,
  });
  if (status === 200) return authResult(data);
  if (status === 0 || status >= 500) return { ok: false, error: UNAVAILABLE };
  // A stale challenge session reads as NotAuthorizedException ("Invalid session ...").
  if (errorType(data) === "NotAuthorizedException") return { ok: false, error: "That took too long: sign in again with the temporary password." };
  return { ok: false, error: accountError(data) };
}

/** What the MFA forms say; never Cognito's own text. */
const MFA_ERRORS = /** @type {Record<string, string>} */ ({
  CodeMismatchException: "That code is not right: type the current code from your authenticator app.",
  EnableSoftwareTokenMFAException: "That code is not right: type the current code from your authenticator app.",
  ExpiredCodeException: "That code was used already or has expired: wait for the next one.",
  InvalidParameterException: "Type the 6-digit code from your authenticator app.",
  TooManyRequestsException: "Too many attempts; wait a minute and try again.",
  LimitExceededException: "Too many attempts; wait a minute and try again.",
  TooManyFailedAttemptsException: "Too many attempts; wait a minute and try again.",
  SoftwareTokenMFANotFoundException: "Set up the authenticator app again: the set-up has expired.",
  InvalidUserPoolConfigurationException: "This site does not offer two-step sign-in.",
  OperationNotEnabledException: "This site does not offer two-step sign-in.",
});

/**
 * @param {number} status
 * @param {Record<string, any>} data
 * @param {string} expired what a refused token or session (NotAuthorizedException) means here
 */
function mfaError(status, data, expired) {
  if (status === 0 || status >= 500) return UNAVAILABLE;
  const type = errorType(data);
  if (type === "NotAuthorizedException" || type === "ResourceNotFoundException") return expired;
  return MFA_ERRORS[type] ?? UNAVAILABLE;
}

/** @param {unknown} code an authenticator app's code: 6 digits (Cognito's SoftwareTokenMFAUserCodeType) */
export function validateTotpCode(code) {
  const c = typeof code === "string" ? code.replace(/\s+/g, "") : "";
  return /^[0-9]{6}$/.test(c)
    ? { ok: /** @type {const} */ (true), value: c }
    : { ok: /** @type {const} */ (false), error: "Type the 6-digit code from your authenticator app." };
}

/**
 * Answers a SOFTWARE_TOKEN_MFA challenge with the authenticator app's code.
 * @param {{ endpoint: string, clientId: string, session: string, username: string, code: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<SignInResult | { ok: false, error: string, retry: boolean }>}
 *   retry: the challenge's session may still take another code (a wrong or reused code)
 */
export async function respondMfaCode({ endpoint, clientId, session, username, code, fetchImpl }) {
  const { status, data } = await callCognito({
    endpoint,
    operation: "RespondToAuthChallenge",
    body: {
      ClientId: clientId,
      ChallengeName: "SOFTWARE_TOKEN_MFA",
      Session: session,
      ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code },
    },
    fetchImpl,
  });
  if (status === 200) return authResult(data, username);
  const type = errorType(data);
  const retry = type === "CodeMismatchException" || type === "ExpiredCodeException" || type === "InvalidParameterException";
  return { ok: false, error: mfaError(status, data, "That took too long: sign in again."), retry };
}

/**
 * TOTP set-up, step 1: AssociateSoftwareToken with the signed-in user's access token. Cognito
 * keeps the new secret as the user's pending authenticator until it is verified.
 * @param {{ endpoint: string, accessToken: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<{ ok: true, secret: string } | { ok: false, error: string }>}
 */
export async function associateSoftwareToken({ endpoint, accessToken, fetchImpl }) {
  const { status, data } = await callCognito({ endpoint, operation: "AssociateSoftwareToken", body: { AccessToken: accessToken }, fetchImpl });
  if (status === 200 && typeof data.SecretCode === "string" && /^[A-Z2-7]+=*$/i.test(data.SecretCode)) return { ok: true, secret: data.SecretCode };
  if (status === 200) return { ok: false, error: UNAVAILABLE };
  return { ok: false, error: mfaError(status, data, "Your session has ended: sign in again.") };
}

/**
 * TOTP set-up, step 2: VerifySoftwareToken with the app's first code, then SetUserMFAPreference
 * (TOTP enabled and preferred): from the next sign-in on, Cognito asks for a code.
 * @param {{ endpoint: string, accessToken: string, code: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<{ ok: true } | { ok: false, error: string }>}
 */
export async function enableSoftwareTokenMfa({ endpoint, accessToken, code, fetchImpl }) {
  const ended = "Your session has ended: sign in again.";
  const verified = await callCognito({
    endpoint,
    operation: "VerifySoftwareToken",
    body: { AccessToken: accessToken, UserCode: code, FriendlyDeviceName: "Authenticator app" },
    fetchImpl,
  });
  if (verified.status !== 200) return { ok: false, error: mfaError(verified.status, verified.data, ended) };
  if (verified.data.Status !== "SUCCESS") return { ok: false, error: MFA_ERRORS.CodeMismatchException };
  const preferred = await callCognito({
    endpoint,
    operation: "SetUserMFAPreference",
    body: { AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } },
    fetchImpl,
  });
  if (preferred.status !== 200) return { ok: false, error: mfaError(preferred.status, preferred.data, ended) };
  return { ok: true };
}

/**
 * The otpauth:// URI an authenticator app reads (Google Authenticator's "Key Uri Format"):
 * label `issuer:account`, the base32 secret, and the issuer again as a parameter. Cognito's
 * codes are the defaults (SHA-1, 6 digits, 30 seconds), so those parameters are left out.
 * @param {{ secret: string, account: string, issuer?: string }} options
 */
export function otpauthUri({ secret, account, issuer = MFA_ISSUER }) {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({ secret: secret.replace(/=+$/, "").toUpperCase(), issuer });
  return `otpauth://totp/${label}?${params.toString().replace(/\+/g, "%20")}`;
}

/** The MFA set-up cookie: like the challenge cookie, for the minutes a set-up may take. */
export function mfaSetupCookieOptions(maxAge = MFA_SETUP_SECONDS) {
  return /** @type {const} */ ({ httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: Math.max(0, Math.floor(maxAge)) });
}

/** @param {unknown} code */
export function validateCode(code) {
  const c = typeof code === "string" ? code.trim() : "";
  // Cognito's codes are digits (6 by default); the API model allows up to 2048 characters.
  return /^[0-9A-Za-z:-]{1,64}$/.test(c) ? { ok: /** @type {const} */ (true), value: c } : { ok: /** @type {const} */ (false), error: "Enter the code from the email." };
}

/**
 * The refresh cookie: like the session cookie, but lives as long as the refresh token.
 */
export function refreshCookieOptions(maxAge = REFRESH_TOKEN_SECONDS) {
  return /** @type {const} */ ({ httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: Math.max(0, Math.floor(maxAge)) });
}

/** The challenge cookie: the few minutes a challenge session lasts. */
export function challengeCookieOptions(maxAge = CHALLENGE_SECONDS) {
  return /** @type {const} */ ({ httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: Math.max(0, Math.floor(maxAge)) });
}

/**
 * GlobalSignOut: Cognito revokes the user's refresh tokens and stops accepting the access token
 * in its own API. Best effort: the cookie goes whatever Cognito answers. An access token already
 * handed out stays valid for the API until it expires (the API checks tokens offline).
 * @param {{ endpoint: string, accessToken: string, fetchImpl?: typeof fetch }} options
 * @returns {Promise<boolean>} whether Cognito confirmed it
 */
export async function globalSignOut({ endpoint, accessToken, fetchImpl }) {
  const { status } = await callCognito({ endpoint, operation: "GlobalSignOut", body: { AccessToken: accessToken }, fetchImpl });
  return status === 200;
}

/**
 * The cookie's attributes: httpOnly (no script reads it), Secure, SameSite=Lax (a cross-site
 * POST does not carry it), the whole site, gone when the token expires.
 * @param {number} expiresIn seconds
 */
export function sessionCookieOptions(expiresIn) {
  const maxAge = Math.max(0, Math.min(Math.floor(expiresIn), MAX_SESSION_SECONDS));
  return /** @type {const} */ ({ httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge });
}

/**
 * Who the cookie says is signed in, for display and for choosing which controls to show. The
 * token is NOT verified here (the API verifies it on every write); an unreadable or expired one
 * counts as signed out.
 * @param {string | undefined} token
 * @param {number} [nowSeconds]
 * @returns {Session | null}
 */
export function readSession(token, nowSeconds = Date.now() / 1000) {
  const session = decodeSession(token);
  return session && session.expiresAt > nowSeconds ? session : null;
}

/**
 * Who is signed in once the refresh token counts: an expired access token still names the user
 * while a refresh token is kept (the next write gets a new access token first).
 * @param {string | undefined} token the session cookie
 * @param {boolean} hasRefresh whether the refresh cookie is there
 * @param {number} [nowSeconds]
 * @returns {(Session & { expired: boolean }) | null}
 */
export function sessionState(token, hasRefresh, nowSeconds = Date.now() / 1000) {
  const session = decodeSession(token);
  if (!session) return null;
  const expired = session.expiresAt <= nowSeconds;
  return expired && !hasRefresh ? null : { ...session, expired };
}

/**
 * @param {string | undefined} token
 * @returns {Session | null}
 */
function decodeSession(token) {
  if (!token) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  let claims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!claims || typeof claims !== "object" || typeof claims.exp !== "number") return null;
  const username = typeof claims.username === "string" ? claims.username : typeof claims.sub === "string" ? claims.sub : "";
  return { username, expiresAt: claims.exp };
}
