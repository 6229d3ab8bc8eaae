import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";

import {
  associateSoftwareToken,
  authConfig,
  challengeCookieOptions,
  enableSoftwareTokenMfa,
  mfaSetupCookieOptions,
  otpauthUri,
  respondMfaCode,
  validateTotpCode,
  confirmSignUp,
  globalSignOut,
  MAX_SESSION_SECONDS,
  readSession,
  REFRESH_MARGIN_SECONDS,
  REFRESH_TOKEN_SECONDS,
  refreshCookieOptions,
  respondNewPassword,
  sessionCookieOptions,
  sessionState,
  signIn,
  signUp,
  tokenForWrite,
  validateCode,
  validateCredentials,
} from "../lib/auth.mjs";
import { applySiteOrigins, siteOriginHosts } from "../lib/site-origins.mjs";

const ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz";

describe("authConfig", () => {
  test("cognito: the endpoint is the issuer's origin", () => {
    assert.deepEqual(authConfig({ USER_POOL_CLIENT_ID: "c1", USER_POOL_ISSUER: ISSUER }), {
      mode: "cognito",
      clientId: "c1",
      endpoint: "https://cognito-idp.eu-west-1.amazonaws.com",
      selfSignUp: false,
      mfa: false,
    });
  });
  test("SELF_SIGN_UP=true (the selfSignUp dial) turns sign-up on; anything else leaves it off", () => {
    const base = { USER_POOL_CLIENT_ID: "c1", USER_POOL_ISSUER: ISSUER };
    assert.equal(/** @type {any} */ (authConfig({ ...base, SELF_SIGN_UP: "true" })).selfSignUp, true);
    assert.equal(/** @type {any} */ (authConfig({ ...base, SELF_SIGN_UP: "yes" })).selfSignUp, false);
    assert.deepEqual(authConfig({ SELF_SIGN_UP: "true" }), { mode: "none" });
  });
  test("MFA=optional (the pool allows TOTP MFA) turns set-up on; unset leaves it off; anything else is an error", () => {
    const base = { USER_POOL_CLIENT_ID: "c1", USER_POOL_ISSUER: ISSUER };
    assert.equal(/** @type {any} */ (authConfig({ ...base, MFA: "optional" })).mfa, true);
    assert.equal(/** @type {any} */ (authConfig({ ...base, MFA: "" })).mfa, false);
    assert.throws(() => authConfig({ ...base, MFA: "on" }), /MFA must be "optional" or unset, got on/);
    assert.deepEqual(authConfig({ MFA: "optional" }), { mode: "none" });
  });
  test("COGNITO_ENDPOINT (tests) replaces the endpoint, not the client", () => {
    const config = authConfig({ USER_POOL_CLIENT_ID: "c1", USER_POOL_ISSUER: ISSUER, COGNITO_ENDPOINT: "http://127.0.0.1:5000/" });
    assert.deepEqual(config, { mode: "cognito", clientId: "c1", endpoint: "http://127.0.0.1:5000", selfSignUp: false, mfa: false });
  });
  test("open with ALLOW_ANONYMOUS_WRITES=true, else none", () => {
    assert.deepEqual(authConfig({ ALLOW_ANONYMOUS_WRITES: "true" }), { mode: "open" });
    assert.deepEqual(authConfig({ ALLOW_ANONYMOUS_WRITES: "false" }), { mode: "none" });
    assert.deepEqual(authConfig({}), { mode: "none" });
  });
  test("a half-set or malformed pool is an error naming the variable", () => {
    assert.throws(() => authConfig({ USER_POOL_CLIENT_ID: "c1" }), /USER_POOL_ISSUER/);
    assert.throws(() => authConfig({ USER_POOL_CLIENT_ID: "c1", USER_POOL_ISSUER: "https://evil.example/eu-west-1_x" }), /USER_POOL_ISSUER must be/);
  });
});

describe("session cookie", () => {
  test("httpOnly, Secure, SameSite=Lax, whole site, no longer than the token", () => {
    assert.deepEqual(sessionCookieOptions(3600), { httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: 3600 });
    assert.equal(sessionCookieOptions(10 * 86400).maxAge, MAX_SESSION_SECONDS);
    assert.equal(sessionCookieOptions(-5).maxAge, 0);
  });
  const token = (/** @type {object} */ claims) =>
    ["e30", Buffer.from(JSON.stringify(claims)).toString("base64url"), "sig"].join(".");
  test("readSession names the user until the token expires", () => {
    assert.deepEqual(readSession(token({ username: "u-1", exp: 2000 }), 1000), { username: "u-1", expiresAt: 2000 });
    assert.equal(readSession(token({ username: "u-1", exp: 1000 }), 1000), null);
    assert.equal(readSession(token({ username: "u-1" }), 1000), null);
    assert.equal(readSession("not-a-jwt", 1000), null);
    assert.equal(readSession("a.!!!.c", 1000), null);
    assert.equal(readSession(undefined), null);
  });
});

describe("validateCredentials", () => {
  test("needs both, trims the email only", () => {
    assert.deepEqual(validateCredentials(" a@b.c ", " pw "), { ok: true, value: { email: "a@b.c", password: " pw " } });
    assert.equal(validateCredentials("", "pw").ok, false);
    assert.equal(validateCredentials("a@b.c", null).ok, false);
  });
});

/** Answers every cognito-idp call with the next canned (status, body); records the calls. */
function startCannedCognito() {
  /** @type {{ target: string | undefined, contentType: string | undefined, body: any }[]} */
  const seen = [];
  /** @type {[number, unknown][]} */
  const answers = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ target: req.headers["x-amz-target"]?.toString(), contentType: req.headers["content-type"], body: JSON.parse(body) });
      const [status, answer] = answers.shift() ?? [500, {}];
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      assert.ok(address && typeof address === "object");
      resolve({ server, seen, answers, endpoint: `http://127.0.0.1:${address.port}` });
    });
  });
}

describe("signIn and globalSignOut (the cognito-idp JSON protocol)", () => {
  /** @type {any} */ let cognito;
  before(async () => (cognito = await startCannedCognito()));
  after(() => cognito.server.close());

  const call = () => signIn({ endpoint: cognito.endpoint, clientId: "c1", email: "a@b.c", password: "pw" });

  test("USER_PASSWORD_AUTH with the client id and no secret hash", async () => {
    cognito.answers.push([200, { AuthenticationResult: { AccessToken: "tok", ExpiresIn: 3600, TokenType: "Bearer" } }]);
    assert.deepEqual(await call(), { ok: true, accessToken: "tok", expiresIn: 3600 });
    const sent = cognito.seen.at(-1);
    assert.equal(sent.target, "AWSCognitoIdentityProviderService.InitiateAuth");
    assert.equal(sent.contentType, "application/x-amz-json-1.1");
    assert.deepEqual(sent.body, { AuthFlow: "USER_PASSWORD_AUTH", ClientId: "c1", AuthParameters: { USERNAME: "a@b.c", PASSWORD: "pw" } });
  });

  for (const [type, expected] of [
    ["NotAuthorizedException", /^Wrong email or password\.$/],
    ["UserNotFoundException", /^Wrong email or password\.$/],
    ["com.amazonaws#UserNotConfirmedException", /not confirmed/],
    ["TooManyRequestsException", /Too many/],
    ["SomethingNewException", /not available right now/],
  ]) {
    test(`${type} becomes a plain message`, async () => {
      cognito.answers.push([400, { __type: type, message: "internal detail" }]);
      const result = await call();
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.match(result.error, /** @type {RegExp} */ (expected));
      assert.doesNotMatch(result.error, /internal detail/);
    });
  }

  test("the refresh token is kept when Cognito hands one out", async () => {
    cognito.answers.push([200, { AuthenticationResult: { AccessToken: "tok", ExpiresIn: 3600, RefreshToken: "ref" } }]);
    assert.deepEqual(await call(), { ok: true, accessToken: "tok", expiresIn: 3600, refreshToken: "ref" });
  });

  test("NEW_PASSWORD_REQUIRED comes back as a challenge with its session and username", async () => {
    cognito.answers.push([200, { ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "s", ChallengeParameters: { USERNAME: "u-1" } }]);
    assert.deepEqual(await call(), { ok: false, challenge: "NEW_PASSWORD_REQUIRED", session: "s", username: "u-1" });
  });

  test("SOFTWARE_TOKEN_MFA comes back as a challenge; the username is Cognito's if it names one, else the email", async () => {
    cognito.answers.push([200, { ChallengeName: "SOFTWARE_TOKEN_MFA", Session: "s", ChallengeParameters: { USER_ID_FOR_SRP: "u-9" } }]);
    assert.deepEqual(await call(), { ok: false, challenge: "SOFTWARE_TOKEN_MFA", session: "s", username: "u-9" });
    cognito.answers.push([200, { ChallengeName: "SOFTWARE_TOKEN_MFA", Session: "s", ChallengeParameters: {} }]);
    assert.deepEqual(await call(), { ok: false, challenge: "SOFTWARE_TOKEN_MFA", session: "s", username: "a@b.c" });
  });

  test("a challenge this site does not answer (SMS, MFA set-up) is a plain message", async () => {
    for (const name of ["SMS_MFA", "MFA_SETUP"]) {
      cognito.answers.push([200, { ChallengeName: name, Session: "s", ChallengeParameters: { CODE_DELIVERY_DESTINATION: "+1***" } }]);
      const result = await call();
      assert.ok(!result.ok && !result.challenge);
      assert.match(result.error, /sign-in step this site does not offer/);
    }
  });

  test("Cognito down or unreachable", async () => {
    cognito.answers.push([503, {}]);
    assert.match(/** @type {any} */ (await call()).error, /not available/);
    const dead = await signIn({ endpoint: "http://127.0.0.1:9", clientId: "c1", email: "a", password: "b" });
    assert.ok(!dead.ok);
    assert.match(dead.error, /not available/);
  });

  test("GlobalSignOut sends the access token", async () => {
    cognito.answers.push([200, {}]);
    assert.equal(await globalSignOut({ endpoint: cognito.endpoint, accessToken: "tok" }), true);
    assert.equal(cognito.seen.at(-1).target, "AWSCognitoIdentityProviderService.GlobalSignOut");
    assert.deepEqual(cognito.seen.at(-1).body, { AccessToken: "tok" });
    cognito.answers.push([400, { __type: "NotAuthorizedException" }]);
    assert.equal(await globalSignOut({ endpoint: cognito.endpoint, accessToken: "tok" }), false);
  });
});

describe("refresh, sign-up and the new-password challenge", () => {
  /** @type {any} */ let cognito;
  before(async () => (cognito = await startCannedCognito()));
  after(() => cognito.server.close());
  const jwt = (/** @type {object} */ claims) => ["e30", Buffer.from(JSON.stringify(claims)).toString("base64url"), "sig"].join(".");
  const NOW = 10_000;

  test("an unexpired access token is used as it is, without asking Cognito", async () => {
    const accessToken = jwt({ username: "u", exp: NOW + 60 });
    const before = cognito.seen.length;
    const result = await tokenForWrite({ endpoint: cognito.endpoint, clientId: "c1", accessToken, refreshToken: "ref", nowSeconds: NOW });
    assert.deepEqual(result, { ok: true, accessToken, refreshed: false });
    assert.equal(cognito.seen.length, before);
  });

  test("a token within the margin of its expiry is refreshed; one just outside it is not", async () => {
    const inside = jwt({ username: "u", exp: NOW + REFRESH_MARGIN_SECONDS });
    cognito.answers.push([200, { AuthenticationResult: { AccessToken: "new", ExpiresIn: 3600 } }]);
    const args = { endpoint: cognito.endpoint, clientId: "c1", refreshToken: "ref", nowSeconds: NOW };
    assert.deepEqual(await tokenForWrite({ ...args, accessToken: inside }), { ok: true, accessToken: "new", refreshed: true });
    const outside = jwt({ username: "u", exp: NOW + REFRESH_MARGIN_SECONDS + 1 });
    const before = cognito.seen.length;
    assert.deepEqual(await tokenForWrite({ ...args, accessToken: outside }), { ok: true, accessToken: outside, refreshed: false });
    assert.equal(cognito.seen.length, before);
  });

  test("an expired access token is replaced with REFRESH_TOKEN_AUTH before the write", async () => {
    cognito.answers.push([200, { AuthenticationResult: { AccessToken: "new", ExpiresIn: 3600 } }]);
    const expired = jwt({ username: "u", exp: NOW });
    const result = await tokenForWrite({ endpoint: cognito.endpoint, clientId: "c1", accessToken: expired, refreshToken: "ref", nowSeconds: NOW });
    assert.deepEqual(result, { ok: true, accessToken: "new", refreshed: true });
    const sent = cognito.seen.at(-1);
    assert.equal(sent.target, "AWSCognitoIdentityProviderService.InitiateAuth");
    assert.deepEqual(sent.body, { AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: "c1", AuthParameters: { REFRESH_TOKEN: "ref" } });
  });

  test("a revoked or expired refresh token signs the user out; Cognito down does not", async () => {
    const expired = jwt({ username: "u", exp: NOW - 1 });
    const args = { endpoint: cognito.endpoint, clientId: "c1", accessToken: expired, refreshToken: "ref", nowSeconds: NOW };
    cognito.answers.push([400, { __type: "NotAuthorizedException", message: "Refresh Token has been revoked" }]);
    assert.deepEqual(await tokenForWrite(args), { ok: false, signedOut: true });
    cognito.answers.push([503, {}]);
    assert.deepEqual(await tokenForWrite(args), { ok: false, signedOut: false });
    assert.deepEqual(await tokenForWrite({ ...args, refreshToken: undefined }), { ok: false, signedOut: true });
  });

  test("sessionState: an expired token still names the user only while a refresh token is kept", () => {
    const expired = jwt({ username: "u-1", exp: NOW });
    assert.deepEqual(sessionState(expired, true, NOW), { username: "u-1", expiresAt: NOW, expired: true });
    assert.equal(sessionState(expired, false, NOW), null);
    assert.deepEqual(sessionState(jwt({ username: "u-1", exp: NOW + 1 }), false, NOW), { username: "u-1", expiresAt: NOW + 1, expired: false });
    assert.equal(sessionState("junk", true, NOW), null);
  });

  test("the refresh cookie: httpOnly, Secure, SameSite=Lax, as long as the client's refresh tokens (30 days)", () => {
    assert.deepEqual(refreshCookieOptions(), { httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: 30 * 86400 });
    assert.equal(REFRESH_TOKEN_SECONDS, 30 * 86400);
    assert.equal(refreshCookieOptions(0).maxAge, 0);
    assert.deepEqual(challengeCookieOptions(), { httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: 180 });
  });

  test("SignUp sends the email as username and attribute; the policy error is plain", async () => {
    cognito.answers.push([200, { UserConfirmed: false, UserSub: "x" }]);
    assert.deepEqual(await signUp({ endpoint: cognito.endpoint, clientId: "c1", email: "a@b.c", password: "pw" }), { ok: true, confirmed: false });
    const sent = cognito.seen.at(-1);
    assert.equal(sent.target, "AWSCognitoIdentityProviderService.SignUp");
    assert.deepEqual(sent.body, { ClientId: "c1", Username: "a@b.c", Password: "pw", UserAttributes: [{ Name: "email", Value: "a@b.c" }] });
    cognito.answers.push([400, { __type: "InvalidPasswordException", message: "Password did not conform with policy: Password not long enough" }]);
    assert.deepEqual(await signUp({ endpoint: cognito.endpoint, clientId: "c1", email: "a@b.c", password: "pw" }), {
      ok: false,
      error: "The password does not meet the policy: password not long enough.",
    });
    // Anything else in the message is not shown: the policy in our words.
    cognito.answers.push([400, { __type: "InvalidPasswordException", message: "<script>x</script> at Foo (bar.js:1)" }]);
    const other = await signUp({ endpoint: cognito.endpoint, clientId: "c1", email: "a@b.c", password: "pw" });
    assert.ok(!other.ok);
    assert.match(other.error, /at least 12 characters/);
    assert.doesNotMatch(other.error, /script|bar\.js/);
    cognito.answers.push([400, { __type: "UsernameExistsException", message: "detail" }]);
    assert.match(/** @type {any} */ (await signUp({ endpoint: cognito.endpoint, clientId: "c1", email: "a@b.c", password: "pw" })).error, /exists already/);
  });

  test("ConfirmSignUp sends the code; a wrong code is a plain message", async () => {
    cognito.answers.push([200, {}]);
    assert.deepEqual(await confirmSignUp({ endpoint: cognito.endpoint, clientId: "c1", email: "a@b.c", code: "123456" }), { ok: true });
    assert.equal(cognito.seen.at(-1).target, "AWSCognitoIdentityProviderService.ConfirmSignUp");
    assert.deepEqual(cognito.seen.at(-1).body, { ClientId: "c1", Username: "a@b.c", ConfirmationCode: "123456" });
    cognito.answers.push([400, { __type: "CodeMismatchException", message: "detail" }]);
    assert.match(/** @type {any} */ (await confirmSignUp({ endpoint: cognito.endpoint, clientId: "c1", email: "a@b.c", code: "1" })).error, /code is not right/);
    assert.equal(validateCode(" 123456 ").ok, true);
    assert.equal(validateCode("").ok, false);
    assert.equal(validateCode("12 34").ok, false);
  });

  test("RespondToAuthChallenge NEW_PASSWORD_REQUIRED with the session and username; tokens come back", async () => {
    cognito.answers.push([200, { AuthenticationResult: { AccessToken: "tok", ExpiresIn: 3600, RefreshToken: "ref" } }]);
    const result = await respondNewPassword({ endpoint: cognito.endpoint, clientId: "c1", session: "s", username: "u-1", newPassword: "New-password-123" });
    assert.deepEqual(result, { ok: true, accessToken: "tok", expiresIn: 3600, refreshToken: "ref" });
    assert.equal(cognito.seen.at(-1).target, "AWSCognitoIdentityProviderService.RespondToAuthChallenge");
    assert.deepEqual(cognito.seen.at(-1).body, {
      ClientId: "c1",
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session: "s",
      ChallengeResponses: { USERNAME: "u-1", NEW_PASSWORD: "New-password-123" },
    });
    cognito.answers.push([400, { __type: "NotAuthorizedException", message: "Invalid session for the user." }]);
    assert.match(/** @type {any} */ (await respondNewPassword({ endpoint: cognito.endpoint, clientId: "c1", session: "s", username: "u", newPassword: "x" })).error, /took too long/);
  });
});

describe("TOTP MFA: the sign-in code and the set-up", () => {
  /** @type {any} */ let cognito;
  before(async () => (cognito = await startCannedCognito()));
  after(() => cognito.server.close());

  test("RespondToAuthChallenge SOFTWARE_TOKEN_MFA with the session, username and code; tokens come back", async () => {
    cognito.answers.push([200, { AuthenticationResult: { AccessToken: "tok", ExpiresIn: 3600, RefreshToken: "ref" } }]);
    const result = await respondMfaCode({ endpoint: cognito.endpoint, clientId: "c1", session: "s", username: "u-1", code: "123456" });
    assert.deepEqual(result, { ok: true, accessToken: "tok", expiresIn: 3600, refreshToken: "ref" });
    assert.equal(cognito.seen.at(-1).target, "AWSCognitoIdentityProviderService.RespondToAuthChallenge");
    assert.deepEqual(cognito.seen.at(-1).body, {
      ClientId: "c1",
      ChallengeName: "SOFTWARE_TOKEN_MFA",
      Session: "s",
      ChallengeResponses: { USERNAME: "u-1", SOFTWARE_TOKEN_MFA_CODE: "123456" },
    });
  });

  for (const [type, expected, retry] of [
    ["CodeMismatchException", /not right/, true],
    ["ExpiredCodeException", /used already or has expired/, true],
    ["NotAuthorizedException", /took too long: sign in again/, false],
    ["TooManyRequestsException", /Too many attempts/, false],
    ["SomethingNewException", /not available right now/, false],
  ]) {
    test(`a sign-in code answered with ${type} is a plain message (retry: ${retry})`, async () => {
      cognito.answers.push([400, { __type: type, message: "internal detail 123456" }]);
      const result = /** @type {any} */ (await respondMfaCode({ endpoint: cognito.endpoint, clientId: "c1", session: "s", username: "u", code: "123456" }));
      assert.equal(result.ok, false);
      assert.match(result.error, /** @type {RegExp} */ (expected));
      assert.doesNotMatch(result.error, /internal detail|123456/);
      assert.equal(result.retry, retry);
    });
  }

  test("AssociateSoftwareToken with the access token; the secret comes back; a refused token is a plain message", async () => {
    cognito.answers.push([200, { SecretCode: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" }]);
    assert.deepEqual(await associateSoftwareToken({ endpoint: cognito.endpoint, accessToken: "tok" }), { ok: true, secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" });
    assert.equal(cognito.seen.at(-1).target, "AWSCognitoIdentityProviderService.AssociateSoftwareToken");
    assert.deepEqual(cognito.seen.at(-1).body, { AccessToken: "tok" });
    cognito.answers.push([400, { __type: "NotAuthorizedException", message: "Access Token has been revoked" }]);
    assert.deepEqual(await associateSoftwareToken({ endpoint: cognito.endpoint, accessToken: "tok" }), { ok: false, error: "Your session has ended: sign in again." });
    cognito.answers.push([200, { SecretCode: "<script>" }]);
    assert.equal((await associateSoftwareToken({ endpoint: cognito.endpoint, accessToken: "tok" })).ok, false, "only a base32 secret is shown");
  });

  test("set-up: VerifySoftwareToken with the code, then SetUserMFAPreference TOTP enabled and preferred", async () => {
    const before = cognito.seen.length;
    cognito.answers.push([200, { Status: "SUCCESS" }], [200, {}]);
    assert.deepEqual(await enableSoftwareTokenMfa({ endpoint: cognito.endpoint, accessToken: "tok", code: "654321" }), { ok: true });
    const [verify, preference] = cognito.seen.slice(before);
    assert.equal(verify.target, "AWSCognitoIdentityProviderService.VerifySoftwareToken");
    assert.deepEqual(verify.body, { AccessToken: "tok", UserCode: "654321", FriendlyDeviceName: "Authenticator app" });
    assert.equal(preference.target, "AWSCognitoIdentityProviderService.SetUserMFAPreference");
    assert.deepEqual(preference.body, { AccessToken: "tok", SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
  });

  test("set-up: a wrong code stops before MFA is switched on", async () => {
    for (const answer of [
      [400, { __type: "CodeMismatchException", message: "detail" }],
      [400, { __type: "EnableSoftwareTokenMFAException", message: "detail" }],
      [200, { Status: "ERROR" }],
    ]) {
      const before = cognito.seen.length;
      cognito.answers.push(answer);
      const result = /** @type {any} */ (await enableSoftwareTokenMfa({ endpoint: cognito.endpoint, accessToken: "tok", code: "000000" }));
      assert.equal(result.ok, false);
      assert.match(result.error, /not right/);
      assert.equal(cognito.seen.length, before + 1, "no SetUserMFAPreference after a refused code");
    }
  });

  test("codes are 6 digits (spaces dropped); anything else is refused before Cognito", () => {
    assert.deepEqual(validateTotpCode(" 123 456 "), { ok: true, value: "123456" });
    for (const bad of ["12345", "1234567", "abcdef", "", undefined]) assert.equal(validateTotpCode(bad).ok, false);
  });

  test("otpauth:// URI: label issuer:account, base32 secret, issuer parameter, everything escaped", () => {
    const uri = otpauthUri({ secret: "jbswy3dpehpk3pxp==", account: "writer@example.com" });
    assert.equal(uri, "otpauth://totp/Notes:writer%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Notes");
    const odd = otpauthUri({ secret: "ABC", account: "a b&c?", issuer: "My Notes" });
    assert.equal(odd, "otpauth://totp/My%20Notes:a%20b%26c%3F?secret=ABC&issuer=My%20Notes");
    assert.equal(new URL(odd).searchParams.get("issuer"), "My Notes");
    assert.equal(new URL(odd).searchParams.get("secret"), "ABC");
  });

  test("the set-up cookie: httpOnly, Secure, SameSite=Lax, ten minutes", () => {
    assert.deepEqual(mfaSetupCookieOptions(), { httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: 600 });
    assert.equal(mfaSetupCookieOptions(0).maxAge, 0);
  });
});

describe("site origins", () => {
  test("hosts of SITE_ORIGINS, ports kept", () => {
    assert.deepEqual(siteOriginHosts({ SITE_ORIGINS: "https://example.com, https://www.example.com/,http://127.0.0.1:3000" }), [
      "example.com",
      "www.example.com",
      "127.0.0.1:3000",
    ]);
    assert.deepEqual(siteOriginHosts({}), []);
  });
  test("anything but an origin is refused, naming the variable", () => {
    for (const bad of ["example.com", "https://example.com/path", "ftp://example.com", "*"]) {
      assert.throws(() => siteOriginHosts({ SITE_ORIGINS: bad }), /SITE_ORIGINS/, bad);
    }
  });
  test("applySiteOrigins sets experimental.serverActions.allowedOrigins, keeping what was there", () => {
    /** @type {any} */
    const config = { experimental: { serverActions: { bodySizeLimit: "1mb", allowedOrigins: ["a.example"] } } };
    applySiteOrigins(config, { SITE_ORIGINS: "https://b.example" });
    assert.deepEqual(config.experimental.serverActions, { bodySizeLimit: "1mb", allowedOrigins: ["a.example", "b.example"] });
    assert.deepEqual(applySiteOrigins({}, {}), { experimental: { serverActions: { allowedOrigins: [] } } });
  });
});
