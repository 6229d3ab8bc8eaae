"""Pricing of the lab's serverless ingress and the NAT instance's sleep schedule.

- API Gateway HTTP API (`protocolType: HTTP`): per million requests (assumption
  httpApiRequestsMillion), no hourly charge (aws-facts#http-api). A WebSocket API is unpriced.
- VPC link, integrations, routes, stages, authorizers, deployments: free lines (no charge of
  their own).
- Cloud Map: a private (or public) DNS namespace is a Route 53 hosted zone (`route53.zone.month`);
  a Cloud Map service bills each registered instance-month: the tasks of the ECS services
  whose `serviceRegistries.registryArn` is the Cloud Map service's ARN, at the share of the
  week they run (asleep, a service has no task and so no registration). An HTTP API
  integration whose `integrationUri` is the Cloud Map service's ARN resolves the instances
  through Cloud Map's DiscoverInstances: a lookup per request (assumption
  cloudMapLookupsMillion). Route 53 health checks on a Cloud Map service are unpriced.
- Lambda functions: requests and GB-seconds by architecture (free tier not applied). A
  function named in an authorizer's `authorizerUri` runs once per API request
  (httpApiRequestsMillion); any other per lambdaRequestsMillion.
- EventBridge Scheduler schedules: per invocation at list price (the first 14 million a month
  of an account are free: stated, not applied).
"""

from __future__ import annotations

from collections.abc import Callable

from stackctl import aws_types as types
from stackctl.cost.lines import Pricer
from stackctl.cost.schedule import as_list, invocations_a_month
from stackctl.cost.tasks import as_float, idle_tasks

# Resource types with no charge of their own that the estimate lists as free lines.
LISTED_FREE: dict[str, tuple[str, str, str]] = {
    types.VPC_LINK: (
        "edge",
        "VPC link (HTTP API)",
        "no charge of its own (aws-facts#http-api); its network interfaces are free",
    ),
    types.API_INTEGRATION: ("edge", "HTTP API integration", "part of the API: per request"),
    types.API_ROUTE: ("edge", "HTTP API route", "part of the API: per request"),
    types.API_STAGE: ("edge", "HTTP API stage", "part of the API: per request"),
    types.API_DEPLOYMENT: ("edge", "HTTP API deployment", "part of the API: per request"),
    types.API_AUTHORIZER: (
        "edge",
        "HTTP API authorizer",
        "no charge of its own; a Lambda authorizer bills on the function's lines",
    ),
}


def _price_http_apis(p: Pricer) -> None:
    for api in p.graph.of_type(types.HTTP_API):
        protocol = str(api.get("protocolType") or "HTTP")
        if protocol != "HTTP":
            p.unpriced("edge", api, f"API Gateway {protocol} API", "only HTTP APIs are priced")
            continue
        p.monthly(
            "edge",
            api,
            f"HTTP API requests ({p.assume.http_api_requests_million:g} million)",
            "apigateway.http.requests.million",
            p.assume.http_api_requests_million,
            "assumption httpApiRequestsMillion; no hourly charge (aws-facts#http-api)",
        )
    for token, (category, description, note) in LISTED_FREE.items():
        for resource in p.graph.of_type(token):
            p.free(category, resource, description, note)


def _price_cloud_map(p: Pricer) -> None:
    graph = p.graph
    namespaces = (("private", types.CLOUD_MAP_PRIVATE_DNS), ("public", types.CLOUD_MAP_PUBLIC_DNS))
    for kind, token in namespaces:
        for namespace in graph.of_type(token):
            p.monthly(
                "dns",
                namespace,
                f"Cloud Map {kind} DNS namespace {namespace.get('name')} (hosted zone)",
                "route53.zone.month",
                1,
                f"the namespace is a Route 53 {kind} hosted zone (aws-facts#cloud-map)",
            )
    services = graph.of_type(types.SERVICE)
    integrations = graph.of_type(types.API_INTEGRATION)
    for registry in graph.of_type(types.CLOUD_MAP_SERVICE):
        arn = str(registry.outputs.get("arn") or "")
        instances = 0.0
        parts = []
        for service in services:
            registries = as_list(service.get("serviceRegistries"))
            if not arn or not any(str(r.get("registryArn")) == arn for r in registries):
                continue
            idle = idle_tasks(graph, service)
            instances += idle.count * idle.share
            name = service.get("name") or service.name
            parts.append(
                f"{name}: {idle.count} task(s)"
                + (f" {idle.awake:g} of 168 h a week" if idle.awake is not None else "")
            )
        note = (
            "registered instances are the ECS tasks (" + "; ".join(parts) + ")"
            if parts
            else "no ECS service registers tasks here"
        )
        p.monthly(
            "dns",
            registry,
            f"Cloud Map instances ({instances:.3g} instance-months)",
            "cloudmap.instance.month",
            instances,
            note,
        )
        if arn and any(str(i.get("integrationUri")) == arn for i in integrations):
            p.monthly(
                "dns",
                registry,
                f"Cloud Map lookups ({p.assume.cloud_map_lookups_million:g} million)",
                "cloudmap.lookups.million",
                p.assume.cloud_map_lookups_million,
                "assumption cloudMapLookupsMillion: the HTTP API's private integration "
                "discovers the instances through Cloud Map",
            )
        if registry.get("healthCheckConfig"):
            p.unpriced(
                "dns",
                registry,
                "Route 53 health checks of the instances",
                "Route 53 health checks are not in the price table",
            )


def _authorizer_functions(p: Pricer) -> set[str]:
    uris = [str(a.get("authorizerUri") or "") for a in p.graph.of_type(types.API_AUTHORIZER)]
    found = set()
    for function in p.graph.of_type(types.LAMBDA_FUNCTION):
        arn = str(function.outputs.get("arn") or "")
        if arn and any(arn in uri for uri in uris):
            found.add(function.urn)
    return found


def _price_lambda(p: Pricer) -> None:
    authorizers = _authorizer_functions(p)
    for function in p.graph.of_type(types.LAMBDA_FUNCTION):
        if function.urn in authorizers:
            million = p.assume.http_api_requests_million
            why = "an authorizer: once per API request (assumption httpApiRequestsMillion)"
        else:
            million = p.assume.lambda_requests_million
            why = "assumption lambdaRequestsMillion"
        arch = "arm64" if "arm64" in as_list(function.get("architectures")) else "x86_64"
        memory_gb = as_float(function.get("memorySize"), 128) / 1024
        gb_seconds = million * 1e6 * memory_gb * p.assume.lambda_ms_per_invocation / 1000
        p.monthly(
            "compute",
            function,
            f"Lambda requests ({million:g} million)",
            "lambda.requests.million",
            million,
            f"{why}; free tier not applied",
        )
        p.monthly(
            "compute",
            function,
            f"Lambda duration {memory_gb * 1024:g} MB {arch} ({gb_seconds:.3g} GB-s)",
            f"lambda.{arch}.gb_second",
            gb_seconds,
            "assumption lambdaMsPerInvocation",
        )


def _price_schedules(p: Pricer) -> None:
    for schedule in p.graph.of_type(types.SCHEDULE):
        expression = str(schedule.get("scheduleExpression") or "")
        if str(schedule.get("state") or "ENABLED") != "ENABLED":
            p.free("ops", schedule, "EventBridge Scheduler schedule (disabled)", "never invoked")
            continue
        count = invocations_a_month(expression, p.hours)
        if count is None:
            p.unpriced(
                "ops",
                schedule,
                "EventBridge Scheduler schedule",
                f"expression {expression!r} not understood: invocations unknown",
            )
            continue
        p.monthly(
            "ops",
            schedule,
            f"EventBridge Scheduler: {count:.3g} invocations a month",
            "scheduler.invocations.million",
            count / 1e6,
            "the first 14 million invocations a month of an account are free: not applied",
        )


SERVERLESS_STEPS: tuple[Callable[[Pricer], None], ...] = (
    _price_http_apis,
    _price_cloud_map,
    _price_lambda,
    _price_schedules,
)
SERVERLESS_TYPES = frozenset(
    {
        types.HTTP_API,
        types.CLOUD_MAP_PRIVATE_DNS,
        types.CLOUD_MAP_PUBLIC_DNS,
        types.CLOUD_MAP_SERVICE,
        types.LAMBDA_FUNCTION,
        types.SCHEDULE,
        *LISTED_FREE,
    }
)
