"""`stackctl cost`: an itemized idle monthly and hourly estimate, from the program's own graph.

The model walks the resources a stack *declares* (the `Graph` that `run_program` records, not
the settings) and turns each priced resource into line items with the dated price table in
prices/prices.yaml. What it reflects, resource by resource:

- ECS services: task cpu/memory and `runtimePlatform.cpuArchitecture` of the task definition;
  the capacity provider strategy (on-demand `base` first, the rest split by `weight` between
  FARGATE and FARGATE_SPOT); the idle task count is the autoscaling target's `minCapacity`
  when one exists, else `desiredCount`. Task definitions without a service (the migration
  task) run on demand: nothing idle.
- NAT: a NAT gateway per hour plus processed GB (assumption); a NAT instance per instance-hour
  plus its root gp3 volume (8 GB assumed when the size is not set). Every Elastic IP is a
  public IPv4 address (`public_ipv4.hour`), and so is an instance's auto-assigned public IP.
- ALB: hour plus an idle LCU assumption; an internet-facing ALB holds one public IPv4 address
  per subnet (AZ); an internal one none.
- Aurora Serverless v2: every `db.serverless` instance runs at the cluster's minimum ACU.
  0 ACU means the cluster pauses when idle (no open connection for `secondsUntilAutoPause`):
  no compute charge, which the output states. Storage and I/O per assumption. An RDS-managed master
  secret (`manageMasterUserPassword`) is a Secrets Manager secret.
- ElastiCache replication groups: node type x nodes (Valkey or Redis OSS price).
- Interface VPC endpoints per AZ (subnet) hour plus GB; gateway endpoints are free.
- CloudWatch alarms and dashboards at list price: the account-wide free tier (10 alarms,
  3 dashboards) is stated, not applied, because other stacks in the account may use it.
- Log groups: ingest GB a month (assumption) and the stored GB that follows from retention.
- KMS keys, Secrets Manager secrets, Route 53 zones the program creates (a looked-up zone is
  not the stack's and costs it nothing), WAF web ACLs with their rules, S3 and ECR storage
  (assumptions), CloudFront (stated to be within the always-free tier).

- The lab's HTTP API ingress and the sleep schedule, by this graph contract (what the
  components must declare for the model to see them; stackctl/cost/serverless.py, schedule.py):
  - `aws:apigatewayv2/api:Api` with `protocolType: HTTP`: per million requests (assumption
    httpApiRequestsMillion, default 0.01), no hourly line. Another protocol is unpriced.
  - `aws:apigatewayv2/vpcLink:VpcLink`, `.../integration:Integration`, `.../route:Route`,
    `.../stage:Stage`, `.../deployment:Deployment`, `.../authorizer:Authorizer`: free lines.
  - `aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace` (or publicDnsNamespace): a
    Route 53 hosted zone (`route53.zone.month`); an httpNamespace is free.
  - `aws:servicediscovery/service:Service`: `cloudmap.instance.month` per registered instance.
    Its instances are the tasks of every `aws:ecs/service:Service` whose `serviceRegistries`
    (one block, or a list) has `registryArn` equal to the Cloud Map service's `arn` output,
    counted as the ECS service's idle tasks (below) times its awake share: asleep, nothing is
    registered. When an Integration's `integrationUri` is that same ARN, a lookups line (assumption
    cloudMapLookupsMillion). `healthCheckConfig` (Route 53 health checks) is unpriced.
  - `aws:lambda/function:Function`: requests + GB-seconds by `architectures` and `memorySize`
    (assumption lambdaMsPerInvocation); a function whose `arn` output appears in an
    Authorizer's `authorizerUri` runs per API request (httpApiRequestsMillion), any other
    lambdaRequestsMillion (default 0). Free tier stated, not applied.
  - `aws:scheduler/schedule:Schedule`: invocations a month from `scheduleExpression` at
    `scheduler.invocations.million` (the account's first 14 million a month are free: stated,
    not applied);
    `state: DISABLED` is a free line.
  - The NAT instance's sleep: an `aws:ec2/instance:Instance` is stopped and started by two
    enabled Schedules whose `target.arn` is `arn:aws:scheduler:::aws-sdk:ec2:stopInstances` and
    `...:startInstances`, whose `target.input` is the JSON `{"InstanceIds": [<instance id>]}`
    (the instance's `id` in the graph), and whose `scheduleExpression`s are
    `cron(0 <hour> ? * <days> *)` on the same days (`scheduleExpressionTimezone` any zone).
    Its instance-hours (and an auto-assigned public IPv4, released while stopped) bill the
    awake share; its root volume and its Elastic IP (an `aws:ec2/eip:Eip` with `instance`, or
    an `aws:ec2/eipAssociation:EipAssociation`) keep billing all month (aws-facts#stopped-instance).
  - ECS services sleep by two `aws:appautoscaling/scheduledAction:ScheduledAction`s on their
    scalable target (`resourceId` `service/<cluster>/<service name>`): one with
    `scalableTargetAction.maxCapacity` 0 (sleep), one restoring it (wake), same cron shape.

Resource types with no charge of their own are a mapping type -> reason (`FREE_TYPES`,
stackctl/cost/free.py): the estimate counts them with the reason (`Estimate.free`). Named
scenarios and their budgets (`cost --compare lab "lab asleep" mvp`) are data in
stackctl/cost/scenarios.py; docs/costs.md's cost tables are generated from them (`stackctl docs`).

An item or region without a price is listed as *unpriced* with the reason, never as free;
a region that lacks a figure the stack uses gets no total (`Estimate.can_total`).
Container Insights is billed by AWS as custom metrics and performance-log ingestion: listed
unpriced. Data transfer out through CloudFront is within its free tier; NAT and endpoint GB
are assumptions you can change: `cost --stack dev --assume natDataGb=20`.

Layout: `model.py` (assumptions, line items, the estimate), `lines.py` (how one line item is
priced from the table), `pricers.py` (one function per group of resource types, and
`estimate`), `serverless.py` (HTTP API, Cloud Map, Lambda, Scheduler), `schedule.py` (awake
hours from the sleep schedules), `tasks.py` (idle task counts), `free.py` (free types and
why), `scenarios.py` (named scenarios, budgets), `render.py` (text, side by side, Markdown,
JSON) and `cli.py` (the subcommand).
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
