#!/usr/bin/env bash
# Upload the hashed Next.js build assets to the static bucket that CloudFront
# serves under /_next/static/*. Run after `npm run build`, with the same build
# that goes into the web image (file names are content hashes, so they can be
# cached for a year and never change).
#
#   STATIC_BUCKET=my-bucket app/web/scripts/upload-static.sh
#
# Optional: DRY_RUN=1 adds --dryrun. Only _next/static/ is published: CloudFront sends
# nothing else to the bucket (a public/ directory, if one is added, is served by the web
# server through the ALB).
set -euo pipefail

: "${STATIC_BUCKET:?set STATIC_BUCKET to the S3 bucket name (without s3://)}"
cd "$(dirname "$0")/.."

if [[ ! -d .next/static ]]; then
  echo "error: .next/static not found; run 'npm run build' first" >&2
  exit 1
fi

extra=()
if [[ "${DRY_RUN:-}" == "1" ]]; then
  extra+=(--dryrun)
fi

# Immutable: every file under .next/static has a content hash in its path.
# No --delete: pages rendered by tasks still running the previous build keep
# referencing the previous assets during a rolling deployment.
aws s3 sync .next/static "s3://${STATIC_BUCKET}/_next/static/" \
  --cache-control "public, max-age=31536000, immutable" \
  --only-show-errors "${extra[@]}"

echo "uploaded .next/static to s3://${STATIC_BUCKET}/_next/static/"
