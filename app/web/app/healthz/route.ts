// Liveness for the load balancer and the container health check: answers from the Next.js
// server alone. It must not call the API: these checks run every few seconds, forever, and one
// that reached the database would keep a paused Aurora Serverless v2 cluster awake (and make the
// site's health depend on the database's).
export const dynamic = "force-static";

export function GET(): Response {
  return Response.json({ status: "ok" });
}
