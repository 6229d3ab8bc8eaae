// ASSET_PREFIX is read at build time and baked into the standalone output.
// Default: empty, so /_next/static/* is requested from the page's own origin
// (CloudFront routes that path to the S3 bucket filled by scripts/upload-static.sh).
const assetPrefix = (process.env.ASSET_PREFIX ?? "").trim().replace(/\/+$/, "");

/** @type {import('next').NextConfig} */
const nextConfig = {
  output: "standalone",
  assetPrefix: assetPrefix || undefined,
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
