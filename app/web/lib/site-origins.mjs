// The site's own origins, for Next.js's cross-site check of server actions. No imports: the
// build copies this file next to the standalone server.js (scripts/copy-static.mjs), which
// calls applySiteOrigins on its configuration at start-up.
//
// Next.js (16.4.6, next/dist/server/app-render/action-handler.js) runs a server action only
// when the host of the request's Origin header equals X-Forwarded-Host (else Host), or is in
// `experimental.serverActions.allowedOrigins`; otherwise it answers "Invalid Server Actions
// request." and runs nothing. Behind CloudFront the Host the server sees is its origin's (the
// load balancer's or API Gateway's), not the site's, so the site's own hosts must be listed. They
// are known only when the stack is deployed, while next.config.mjs is read at build time and
// frozen into server.js; hence this start-up step, reading SITE_ORIGINS from the task's
// environment (app/contract.json).

/**
 * The hosts (with a port when there is one) of SITE_ORIGINS: the site's origins, comma-separated,
 * e.g. "https://example.com,https://www.example.com".
 * @param {Record<string, string | undefined>} [env]
 * @returns {string[]}
 */
export function siteOriginHosts(env = process.env) {
  const raw = (env.SITE_ORIGINS ?? "").trim();
  if (!raw) return [];
  return raw.split(",").map((entry) => {
    const value = entry.trim().replace(/\/+$/, "");
    /** @type {URL | undefined} */
    let url;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== value) {
      throw new Error(`SITE_ORIGINS: ${JSON.stringify(entry.trim())} is not an origin (https://host[:port])`);
    }
    return url.host;
  });
}

/**
 * Adds the site's hosts to the server actions' allowed origins of a Next.js configuration object.
 * @param {{ experimental?: { serverActions?: { allowedOrigins?: string[] } } }} config
 * @param {Record<string, string | undefined>} [env]
 */
export function applySiteOrigins(config, env = process.env) {
  const hosts = siteOriginHosts(env);
  const experimental = (config.experimental ??= {});
  const serverActions = (experimental.serverActions ??= {});
  serverActions.allowedOrigins = [...new Set([...(serverActions.allowedOrigins ?? []), ...hosts])];
  return config;
}
