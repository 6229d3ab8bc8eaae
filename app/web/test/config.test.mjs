import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** @param {string | undefined} prefix */
async function loadConfig(prefix) {
  const saved = process.env.ASSET_PREFIX;
  if (prefix === undefined) delete process.env.ASSET_PREFIX;
  else process.env.ASSET_PREFIX = prefix;
  try {
    const mod = await import(`../next.config.mjs?case=${encodeURIComponent(String(prefix))}`);
    return mod.default;
  } finally {
    if (saved === undefined) delete process.env.ASSET_PREFIX;
    else process.env.ASSET_PREFIX = saved;
  }
}

test("next.config: standalone output, asset prefix empty by default", async () => {
  const config = await loadConfig(undefined);
  assert.equal(config.output, "standalone");
  assert.equal(config.assetPrefix, undefined);
  assert.equal((await loadConfig("")).assetPrefix, undefined);
});

test("next.config: ASSET_PREFIX is used without a trailing slash", async () => {
  assert.equal((await loadConfig("https://d111.cloudfront.net/")).assetPrefix, "https://d111.cloudfront.net");
});

test("upload-static.sh syncs .next/static with immutable caching", () => {
  const work = mkdtempSync(join(tmpdir(), "upload-static-"));
  try {
    // A copy of the web dir layout with a fake build and a fake `aws` that records its arguments.
    const web = join(work, "web");
    mkdirSync(join(web, "scripts"), { recursive: true });
    mkdirSync(join(web, ".next/static/chunks"), { recursive: true });
    writeFileSync(join(web, ".next/static/chunks/a.js"), "x");
    writeFileSync(join(web, "scripts/upload-static.sh"), readFileSync(join(WEB_DIR, "scripts/upload-static.sh")));
    const bin = join(work, "bin");
    mkdirSync(bin);
    const log = join(work, "aws.log");
    writeFileSync(join(bin, "aws"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\n`);
    chmodSync(join(bin, "aws"), 0o755);

    const run = (/** @type {Record<string, string>} */ env) =>
      spawnSync("bash", [join(web, "scripts/upload-static.sh")], {
        env: { PATH: `${bin}:${process.env.PATH}`, ...env },
        encoding: "utf8",
      });

    const missing = run({});
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /STATIC_BUCKET/);

    const ok = run({ STATIC_BUCKET: "static-bucket" });
    assert.equal(ok.status, 0, ok.stderr);
    const calls = readFileSync(log, "utf8").trim().split("\n");
    assert.equal(calls.length, 1); // no public/ directory -> one sync
    assert.equal(
      calls[0],
      "s3 sync .next/static s3://static-bucket/_next/static/ --cache-control public, max-age=31536000, immutable --only-show-errors",
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
