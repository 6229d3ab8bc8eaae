// After `next build`, make .next/standalone runnable on its own (as in the
// Docker image): the standalone server serves .next/static and public/ only
// when they are copied next to server.js. In AWS, CloudFront serves
// /_next/static/* from S3 instead, but the copies keep the container usable alone.
//
// Then it makes server.js take the site's origins from the environment at start-up
// (lib/site-origins.mjs says why): one line, inserted just before server.js hands its
// configuration to Next.js. The build fails if Next.js's generated server.js no longer has
// the line this anchors on (a Next.js upgrade must look at this again).
import { copyFileSync, cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";

const standalone = ".next/standalone";
if (!existsSync(`${standalone}/server.js`)) {
  throw new Error("no standalone output: is output: 'standalone' set in next.config.mjs?");
}
cpSync(".next/static", `${standalone}/.next/static`, { recursive: true });
if (existsSync("public")) cpSync("public", `${standalone}/public`, { recursive: true });
console.log("copied .next/static (and public/, if any) into .next/standalone");

const ANCHOR = "process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(nextConfig)";
// (a leading semicolon: the line before it ends without one)
const HOOK = ";(await import('./site-origins.mjs')).applySiteOrigins(nextConfig);";
const server = readFileSync(`${standalone}/server.js`, "utf8");
if (server.split(ANCHOR).length !== 2) {
  throw new Error(`${standalone}/server.js: expected the line \`${ANCHOR}\` exactly once`);
}
copyFileSync("lib/site-origins.mjs", `${standalone}/site-origins.mjs`);
if (!server.includes(HOOK)) {
  writeFileSync(`${standalone}/server.js`, server.replace(ANCHOR, `${HOOK}\n${ANCHOR}`));
}
console.log("server.js reads the site's origins (SITE_ORIGINS) at start-up");
