// After `next build`, make .next/standalone runnable on its own (as in the
// Docker image): the standalone server serves .next/static and public/ only
// when they are copied next to server.js. In AWS, CloudFront serves
// /_next/static/* from S3 instead, but the copies keep the container usable alone.
import { cpSync, existsSync } from "node:fs";

const standalone = ".next/standalone";
if (!existsSync(`${standalone}/server.js`)) {
  throw new Error("no standalone output: is output: 'standalone' set in next.config.mjs?");
}
cpSync(".next/static", `${standalone}/.next/static`, { recursive: true });
if (existsSync("public")) cpSync("public", `${standalone}/public`, { recursive: true });
console.log("copied .next/static (and public/, if any) into .next/standalone");
