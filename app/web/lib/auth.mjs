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
 * @typedef {{ mode: "cognito", clientId: string, endpoint: string } | { mode: "open" } | { mode: "none" }} AuthConfig
 * @typedef {{ ok: true, accessToken: string, expiresIn: number } | { ok: false, error: string }} SignInResult
 * @typedef {{ username: string, expiresAt: number }} Session
 */

export const SESSION_COOKIE = "session";
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
    return { mode: "cognito", clientId, endpoint: endpoint.replace(/\/+$/, "") };
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
  if (status === 200) {
    const result = data.AuthenticationResult;
    if (result && typeof result.AccessToken === "string") {
      const expiresIn = Number(result.ExpiresIn);
      return { ok: true, accessToken: result.AccessToken, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600 };
    }
    if (typeof data.ChallengeName === "string") {
      // NEW_PASSWORD_REQUIRED (an administrator's temporary password), SOFTWARE_TOKEN_MFA, ...
      const what = data.ChallengeName === "NEW_PASSWORD_REQUIRED" ? "a new password" : "a second sign-in step";
      return { ok: false, error: `This account needs ${what}, which this site cannot ask for yet; ask an administrator.` };
    }
    return { ok: false, error: UNAVAILABLE };
  }
  if (status === 0 || status >= 500) return { ok: false, error: UNAVAILABLE };
  return { ok: false, error: SIGN_IN_ERRORS[errorType(data)] ?? UNAVAILABLE };
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
  if (!token) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  let claims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!claims || typeof claims !== "object" || typeof claims.exp !== "number" || claims.exp <= nowSeconds) return null;
  const username = typeof claims.username === "string" ? claims.username : typeof claims.sub === "string" ? claims.sub : "";
  return { username, expiresAt: claims.exp };
}
