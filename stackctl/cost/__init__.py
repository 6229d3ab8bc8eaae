"""`stackctl cost`: an itemized idle monthly and hourly estimate, from the program's own graph.

The model walks the resources a stack *declares* (the `Graph` that `run_program` records, not
the settings) and turns each priced resource into line items with the dated price table in
prices/prices.yaml. What it reflects, resource by resource:

- ECS services: task cpu/memory and `runtimePlatform.cpuArchitecture` of the task definition;
  the capacity provider strategy (on-demand `base` first, the rest split by `weight` between
  FARGATE and FARGATE_SPOT); the idle task count is the autoscaling target's `minCapacity`
  when one exists, else `desiredCount`. Task definitions without a service (the migration
  task) run on demand: $0 idle.
- NAT: a NAT gateway per hour plus processed GB (assumption); a NAT instance per instance-hour
  plus its root gp3 volume (8 GB assumed when the size is not set). Every Elastic IP is a
  public IPv4 address ($0.005/h), and so is an instance's auto-assigned public IP.
- ALB: hour plus an idle LCU assumption; an internet-facing ALB holds one public IPv4 address
  per subnet (AZ); an internal one none.
- Aurora Serverless v2: every `db.serverless` instance runs at the cluster's minimum ACU.
  0 ACU means the cluster pauses when idle (no open connection for `secondsUntilAutoPause`):
  $0 compute, which the output states. Storage and I/O per assumption. An RDS-managed master
  secret (`manageMasterUserPassword`) is a Secrets Manager secret.
- ElastiCache replication groups: node type x nodes (Valkey or Redis OSS price).
- Interface VPC endpoints per AZ (subnet) hour plus GB; gateway endpoints are free.
- CloudWatch alarms and dashboards at list price: the account-wide free tier (10 alarms,
  3 dashboards) is stated, not applied, because other stacks in the account may use it.
- Log groups: ingest GB a month (assumption) and the stored GB that follows from retention.
- KMS keys, Secrets Manager secrets, Route 53 zones the program creates (a looked-up zone is
  not the stack's and costs it nothing), WAF web ACLs with their rules, S3 and ECR storage
  (assumptions), CloudFront (stated to be within the always-free tier).

An item or region without a price is listed as *unpriced* with the reason, never as $0.
Container Insights is billed by AWS as custom metrics and performance-log ingestion: listed
unpriced. Data transfer out through CloudFront is within its free tier; NAT and endpoint GB
are assumptions you can change: `cost --stack dev --assume natDataGb=20`.

Layout: `model.py` (assumptions, line items, the estimate), `lines.py` (how one line item is
priced from the table), `pricers.py` (one function per group of resource types, and
`estimate`), `render.py` (text, side by side, Markdown, JSON) and `cli.py` (the subcommand).
The resource types they read are named once, in `stackctl/aws_types.py`.
"""

from stackctl.cost.free import FREE_TYPES
from stackctl.cost.model import FREE_TIERS, Assumptions, Estimate, LineItem
from stackctl.cost.pricers import estimate, split_by_strategy
from stackctl.cost.render import estimates_json, render_compare, render_estimate, render_markdown
from stackctl.cost.schedule import awake_hours_per_week, instance_awake_hours_per_week

__all__ = [
    "FREE_TIERS",
    "FREE_TYPES",
    "Assumptions",
    "Estimate",
    "LineItem",
    "awake_hours_per_week",
    "estimate",
    "estimates_json",
    "instance_awake_hours_per_week",
    "render_compare",
    "render_estimate",
    "render_markdown",
    "split_by_strategy",
]
