"""HttpApi: the lab's ingress: CloudFront -> API Gateway HTTP API -> VPC link -> Cloud Map -> tasks.

Creates:
1. an HTTP API (protocol HTTP). Its execute-api endpoint stays on: it is CloudFront's origin
   domain (`origin_domain`), so the lab needs no domain, certificate or API Gateway custom
   domain. Direct calls to that endpoint are refused by the origin check (item 5);
2. a security group for the VPC link with no ingress (API Gateway's interfaces only open
   connections) and, once `admit_service` is called, egress only to each task security
   group on its container port; the task group admits the VPC link's group (standalone
   rules, aws-facts#sg-standalone-rules). The chain is CloudFront -> HTTP API -> VPC link
   group -> tasks, and nothing else reaches the tasks this way;
3. a VPC link (for HTTP APIs) in the private subnets with that group (aws-facts#http-api:
   no charge of its own; after 60 days without traffic it goes INACTIVE and AWS removes its
   interfaces; the next requests fail for the few minutes it takes to bring them back);
4. per target service an HTTP_PROXY integration over the VPC link to the service's Cloud Map
   ARN (`integration_uri`; method ANY, payload format 1.0, timeout `integration_timeout_ms`,
   at most 30 s), forwarding the request path unchanged (`overwrite:path` = `$request.path`)
   and removing the origin header, so the tasks never see the secret
   (aws-facts#http-api-parameter-mapping);
5. the origin check: two `random.RandomPassword` slots of which CloudFront sends the current
   one as the custom origin header `x-origin-verify` (`origin_header_value`, a Pulumi secret),
   and a Lambda REQUEST authorizer (origin_check_handler.py beside it, Python, arm64, 128 MB,
   its own log group) that accepts the current and the previous value; its identity source is
   that header, so a request without it gets 401 from API Gateway without invoking anything,
   and results are cached per header value for `authorizer_cache_ttl` seconds, so an idle or
   steadily used API invokes it at most every few minutes (aws-facts#http-api-authorizer).
   CloudFront's custom header replaces any header of that name a viewer sends
   (aws-facts#cloudfront-origin-header);
6. the routes from the ordered route list (components/ingress/http_api_routing.py): `ANY
   /api/{proxy+}` -> api, `$default` -> web, each with the authorizer;
7. the `$default` stage, auto-deployed, with throttling (`throttling_rate_limit` requests per
   second, `throttling_burst_limit` burst) and, with `access_log_retention_days`, JSON access
   logs in their own log group.

Host names: the HTTP API sees no viewer Host (CloudFront sends the execute-api name,
aws-facts#http-api-origin), so it serves the site's names only: `/api/*` of the site reaches
the API; `api.<domain>` is not served with this ingress (routes of other host groups are
listed in `unserved`; the distribution must not carry that alias). Server-side calls from the
web to the API go to the Cloud Map A record `api.<namespace>` inside the VPC instead of the
internal ALB name.

Rotation of the origin secret (`origin_secret_rotation`, a counter): slot a is generated anew
whenever the counter reaches an even number, slot b at odd numbers; CloudFront sends the slot
of the current number and the authorizer accepts both. Raise the counter by one and run
`pulumi up`: a new value is generated, CloudFront sends it once its change is deployed, and
the edges that still send the old one are accepted meanwhile. Raise it once more (another
`pulumi up`, after the first has finished) to stop accepting a value that leaked; cached
authorizer results for it last at most `authorizer_cache_ttl` seconds more.

What users meet (for the docs): the integration times out after 30 s (the ALB ingress waits
up to CloudFront's origin timeout); request and response payloads are limited to 10 MB
(aws-facts#http-api-limits); AWS WAF cannot be attached to an HTTP API, but the web ACL on the
distribution still filters every request before it reaches the API.

Inputs (HttpApiArgs, defaults in brackets): name_prefix, vpc_id, private_subnet_ids,
targets (label -> Cloud Map service ARN), routes, host_groups, iam_path ["/"],
log_group_prefix, log_retention_days [7], served_host_group ["site"],
integration_timeout_ms [30000], throttling_rate_limit [50], throttling_burst_limit [100],
authorizer_cache_ttl [300], access_log_retention_days [None: no access logs],
origin_secret_rotation [0].

Cost: HTTP API `apigateway.http.requests.million`, no hourly charge; VPC link free
(aws-facts#http-api); the authorizer's Lambda invocations (`lambda.requests.million` plus
compute): at most one per `authorizer_cache_ttl` per header value while requests flow (288 a
day at 300 s), none when idle; logs as ingested. Idle: nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.config.routing import HostGroups, Route
from components.ingress import origin_check_handler
from components.ingress.http_api_routing import DEFAULT_ROUTE, Translation, route_keys
from components.kit.component import Component, ComponentArgs
from components.kit.links import Connection, Endpoint, Source, connect
from components.kit.roles import policy_document, role_with_policy

ORIGIN_HEADER = origin_check_handler.HEADER
MAX_INTEGRATION_TIMEOUT_MS = 30000  # HTTP API integrations: 50 ms to 30 s (aws-facts#http-api)
MIN_INTEGRATION_TIMEOUT_MS = 50
MAX_AUTHORIZER_TTL = 3600
SECRET_LENGTH = 48
HANDLER_FILE = Path(origin_check_handler.__file__)
HANDLER = f"{HANDLER_FILE.stem}.handler"
LAMBDA_RUNTIME = "python3.13"
FUNCTION_SUFFIX = "-origin-check"
# Lambda CreateFunction: a function name is 1 to 64 of these characters.
FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "method": "$context.httpMethod",
        "path": "$context.path",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
    }
)


@dataclass(frozen=True)
class HttpApiArgs(ComponentArgs):
    name_prefix: str
    """Required: `<project>-<stack>`: prefixes the function's name and the descriptions."""
    vpc_id: pulumi.Input[str]
    """Required: the VPC of the private subnets and the tasks."""
    private_subnet_ids: Sequence[pulumi.Input[str]]
    """Required: the subnets the VPC link's interfaces go in (the tasks' private subnets)."""
    targets: Mapping[str, pulumi.Input[str]]
    """Required: label -> the Cloud Map service ARN its tasks register in
    (ServiceDiscovery.arn(label))."""
    routes: Sequence[Route]
    """Required: the ordered route list (config/routing.py), the same the ALB ingress uses."""
    host_groups: HostGroups
    """Required: host group -> names (only `served_host_group` matters: the checks probe with its
    names)."""
    log_group_prefix: str
    """Required: where the log groups go: `/<project>/<stack>` (the deploy role may write only
    there)."""
    iam_path: str = "/"
    """The IAM path of the authorizer's role."""
    log_retention_days: int = 7
    """Retention (days) of the authorizer's log group."""
    served_host_group: str = "site"
    """The host group CloudFront forwards to this API (an HTTP API sees no viewer Host)."""
    integration_timeout_ms: int = MAX_INTEGRATION_TIMEOUT_MS
    """How long an integration may take (ms): 50 to 30000."""
    throttling_rate_limit: float = 50.0
    """Steady-state requests per second for the whole stage."""
    throttling_burst_limit: int = 100
    """Requests allowed in a burst above the steady rate."""
    authorizer_cache_ttl: int = 300
    """Seconds an authorizer answer is cached per header value (0 to 3600; 0: no cache)."""
    access_log_retention_days: int | None = None
    """Days to keep access logs; None: no access logging."""
    origin_secret_rotation: int = 0
    """Raise by one to rotate the origin secret (see the module docstring)."""


def check_args(args: HttpApiArgs) -> Translation:
    """Refuse values API Gateway would refuse, and translate the routes (ValueError)."""
    function_name = f"{args.name_prefix}{FUNCTION_SUFFIX}"
    if not FUNCTION_NAME.match(function_name):
        raise ValueError(
            f"name_prefix {args.name_prefix!r}: the function name {function_name!r} must be 1 "
            "to 64 letters, digits, hyphens or underscores (Lambda CreateFunction)"
        )
    if not MIN_INTEGRATION_TIMEOUT_MS <= args.integration_timeout_ms <= MAX_INTEGRATION_TIMEOUT_MS:
        raise ValueError(
            f"integration_timeout_ms {args.integration_timeout_ms}: HTTP API integrations allow "
            f"{MIN_INTEGRATION_TIMEOUT_MS} to {MAX_INTEGRATION_TIMEOUT_MS} ms"
        )
    if not 0 <= args.authorizer_cache_ttl <= MAX_AUTHORIZER_TTL:
        raise ValueError(f"authorizer_cache_ttl {args.authorizer_cache_ttl}: 0 to 3600 seconds")
    if args.throttling_rate_limit <= 0 or args.throttling_burst_limit <= 0:
        raise ValueError("throttling_rate_limit and throttling_burst_limit must be positive")
    if args.origin_secret_rotation < 0:
        raise ValueError(f"origin_secret_rotation {args.origin_secret_rotation}: 0 or more")
    if not args.private_subnet_ids:
        raise ValueError("private_subnet_ids: the VPC link needs at least one subnet")
    translation = route_keys(args.routes, args.host_groups, args.served_host_group)
    missing = sorted({t for _, t in translation.keys} - set(args.targets))
    if missing:
        raise ValueError(f"routes go to {missing}, which have no Cloud Map service in targets")
    return translation


def slot_keepers(rotation: int) -> dict[str, int]:
    """The rotation number each secret slot was last generated at: a at even, b at odd."""
    even = rotation - rotation % 2
    odd = rotation if rotation % 2 else rotation - 1
    return {"a": even, "b": odd}


def current_slot(rotation: int) -> str:
    return "a" if rotation % 2 == 0 else "b"


class HttpApi(Component):
    """HTTP API, VPC link and its security group, integrations, routes, stage, origin check."""

    api: aws.apigatewayv2.Api
    security_group: aws.ec2.SecurityGroup
    vpc_link: aws.apigatewayv2.VpcLink
    integrations: dict[str, aws.apigatewayv2.Integration]
    routes: dict[str, aws.apigatewayv2.Route]
    stage: aws.apigatewayv2.Stage
    secrets: dict[str, random.RandomPassword]
    authorizer: aws.apigatewayv2.Authorizer
    authorizer_function: aws.lambda_.Function
    translation: Translation

    def __init__(
        self, name: str, args: HttpApiArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:ingress:HttpApi", name, args.transform, opts)
        self.translation = check_args(args)
        self._name = name
        self.args = args
        self.api = aws.apigatewayv2.Api(
            f"{name}-api",
            aws.apigatewayv2.ApiArgs(
                protocol_type="HTTP",
                description=f"{args.name_prefix}: CloudFront's origin for the app",
                # CloudFront's origin domain (see the module docstring); direct calls are
                # refused by the authorizer.
                disable_execute_api_endpoint=False,
            ),
            opts=self._child(),
        )
        self.security_group = self._create_security_group()
        self.vpc_link = aws.apigatewayv2.VpcLink(
            f"{name}-vpc-link",
            aws.apigatewayv2.VpcLinkArgs(
                subnet_ids=list(args.private_subnet_ids),
                security_group_ids=[self.security_group.id],
                tags={"Name": f"{args.name_prefix}-http-api"},
            ),
            opts=self._child(),
        )
        self.integrations = {
            label: self._create_integration(label, args.targets[label])
            for label in sorted({t for _, t in self.translation.keys})
        }
        self.secrets = self._create_secrets()
        self.authorizer_function = self._create_function()
        self.authorizer = self._create_authorizer()
        self.routes = {
            key: self._create_route(key, target) for key, target in self.translation.keys
        }
        self.stage = self._create_stage()
        self._finish(
            {
                "apiEndpoint": self.api.api_endpoint,
                "vpcLinkId": self.vpc_link.id,
                "vpcLinkSecurityGroupId": self.security_group.id,
            }
        )

    # -- what the rest of the program needs -----------------------------------------------------

    @property
    def vpc_link_security_group(self) -> aws.ec2.SecurityGroup:
        return self.security_group

    @property
    def api_endpoint(self) -> pulumi.Output[str]:
        """`https://<id>.execute-api.<region>.amazonaws.com`."""
        return self.api.api_endpoint

    @property
    def origin_domain(self) -> pulumi.Output[str]:
        """The endpoint's host name: CloudFront's custom origin `domain_name`."""
        return self.api.api_endpoint.apply(lambda url: url.removeprefix("https://").rstrip("/"))

    @property
    def origin_header_name(self) -> str:
        return ORIGIN_HEADER

    @property
    def origin_header_value(self) -> pulumi.Output[str]:
        """The value CloudFront must send (a Pulumi secret): the current slot."""
        slot = current_slot(self.args.origin_secret_rotation)
        return pulumi.Output.secret(self.secrets[slot].result)

    @property
    def source(self) -> Source:
        """The VPC link's group as the start of a connection (`connect` it to a service)."""
        return Source(self, "vpclink", self.security_group.id)

    def admit_service(
        self, label: str, security_group_id: pulumi.Input[str], port: int
    ) -> Connection:
        """Let the VPC link reach one service's tasks on `port`, and nothing more: the pair
        `connect` makes, for a group the caller holds only by id (the wiring connects
        `source` to a FargateService's `entry` instead)."""
        return connect(
            self.source,
            Endpoint(
                self, f"{self._name}-{label}", label, security_group_id, port, f"{label} port"
            ),
        )

    # -- pieces ---------------------------------------------------------------------------------

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        # No inline rules and no ingress: the egress rules come from admit_service. The
        # provider removes AWS's allow-all egress rule from a new group
        # (aws-facts#sg-default-egress), so until a service is admitted the VPC link can
        # reach nothing.
        return aws.ec2.SecurityGroup(
            f"{self._name}-vpc-link-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=self.args.vpc_id,
                description="HTTP API VPC link: egress to the service tasks only",
                tags={"Name": f"{self.args.name_prefix}-http-api-vpc-link"},
            ),
            opts=self._child(),
        )

    def _create_integration(
        self, label: str, cloud_map_arn: pulumi.Input[str]
    ) -> aws.apigatewayv2.Integration:
        return aws.apigatewayv2.Integration(
            f"{self._name}-{label}",
            aws.apigatewayv2.IntegrationArgs(
                api_id=self.api.id,
                description=f"The {label} tasks, found in Cloud Map",
                integration_type="HTTP_PROXY",
                connection_type="VPC_LINK",
                connection_id=self.vpc_link.id,
                integration_uri=cloud_map_arn,
                integration_method="ANY",
                payload_format_version="1.0",
                timeout_milliseconds=self.args.integration_timeout_ms,
                request_parameters={
                    # The path as the viewer sent it (the $default stage adds no prefix).
                    "overwrite:path": "$request.path",
                    # The origin secret stops here: the tasks never receive it.
                    f"remove:header.{ORIGIN_HEADER}": "''",
                },
            ),
            opts=self._child(),
        )

    def _create_secrets(self) -> dict[str, random.RandomPassword]:
        keepers = slot_keepers(self.args.origin_secret_rotation)
        return {
            slot: random.RandomPassword(
                f"{self._name}-origin-secret-{slot}",
                random.RandomPasswordArgs(
                    length=SECRET_LENGTH,
                    special=False,  # a header value: letters and digits only
                    keepers={"rotation": str(keepers[slot])},
                ),
                opts=self._child(),
            )
            for slot in ("a", "b")
        }

    def _create_function(self) -> aws.lambda_.Function:
        prefix = self.args.name_prefix
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-authorizer-logs",
            aws.cloudwatch.LogGroupArgs(
                name=f"{self.args.log_group_prefix}/http-api/origin-check",
                retention_in_days=self.args.log_retention_days,
            ),
            opts=self._child(delete_before_replace=True),
        )
        role, _ = role_with_policy(
            f"{self._name}-authorizer",
            service="lambda.amazonaws.com",
            path=self.args.iam_path,
            description="HTTP API origin check: writes its own logs, nothing else",
            policy=log_group.arn.apply(
                lambda arn: policy_document(
                    [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": f"{arn}:*",
                        }
                    ]
                )
            ),
            policy_name=f"{self._name}-authorizer-logs",
            opts=self._child(),
        )
        current = current_slot(self.args.origin_secret_rotation)
        previous = "b" if current == "a" else "a"
        return aws.lambda_.Function(
            f"{self._name}-authorizer",
            aws.lambda_.FunctionArgs(
                name=f"{prefix}{FUNCTION_SUFFIX}",
                description="HTTP API authorizer: only requests CloudFront signed",
                role=role.arn,
                runtime=LAMBDA_RUNTIME,
                architectures=["arm64"],
                handler=HANDLER,
                code=pulumi.AssetArchive(
                    {HANDLER_FILE.name: pulumi.StringAsset(HANDLER_FILE.read_text())}
                ),
                memory_size=128,
                timeout=3,
                environment=aws.lambda_.FunctionEnvironmentArgs(
                    variables={
                        origin_check_handler.CURRENT: pulumi.Output.secret(
                            self.secrets[current].result
                        ),
                        origin_check_handler.PREVIOUS: pulumi.Output.secret(
                            self.secrets[previous].result
                        ),
                    }
                ),
                logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                    log_format="Text", log_group=log_group.name
                ),
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _create_authorizer(self) -> aws.apigatewayv2.Authorizer:
        authorizer = aws.apigatewayv2.Authorizer(
            f"{self._name}-origin-check",
            aws.apigatewayv2.AuthorizerArgs(
                api_id=self.api.id,
                authorizer_type="REQUEST",
                authorizer_uri=self.authorizer_function.invoke_arn,
                authorizer_payload_format_version="2.0",
                enable_simple_responses=True,
                identity_sources=[f"$request.header.{ORIGIN_HEADER}"],
                authorizer_result_ttl_in_seconds=self.args.authorizer_cache_ttl,
            ),
            opts=self._child(),
        )
        aws.lambda_.Permission(
            f"{self._name}-origin-check-invoke",
            aws.lambda_.PermissionArgs(
                action="lambda:InvokeFunction",
                function=self.authorizer_function.name,
                principal="apigateway.amazonaws.com",
                source_arn=pulumi.Output.concat(
                    self.api.execution_arn, "/authorizers/", authorizer.id
                ),
            ),
            opts=self._child(),
        )
        return authorizer

    def _create_route(self, key: str, target: str) -> aws.apigatewayv2.Route:
        slug = "default" if key == DEFAULT_ROUTE else key.split(" ", 1)[1].strip("/")
        slug = slug.replace("/", "-").replace("{proxy+}", "proxy") or "root"
        return aws.apigatewayv2.Route(
            f"{self._name}-route-{slug}",
            aws.apigatewayv2.RouteArgs(
                api_id=self.api.id,
                route_key=key,
                target=pulumi.Output.concat("integrations/", self.integrations[target].id),
                authorization_type="CUSTOM",
                authorizer_id=self.authorizer.id,
            ),
            opts=self._child(),
        )

    def _create_stage(self) -> aws.apigatewayv2.Stage:
        access_logs = None
        if self.args.access_log_retention_days is not None:
            group = aws.cloudwatch.LogGroup(
                f"{self._name}-access-logs",
                aws.cloudwatch.LogGroupArgs(
                    name=f"{self.args.log_group_prefix}/http-api/access",
                    retention_in_days=self.args.access_log_retention_days,
                ),
                opts=self._child(delete_before_replace=True),
            )
            access_logs = aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=group.arn, format=ACCESS_LOG_FORMAT
            )
        return aws.apigatewayv2.Stage(
            f"{self._name}-stage",
            aws.apigatewayv2.StageArgs(
                api_id=self.api.id,
                name="$default",
                auto_deploy=True,
                default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                    throttling_rate_limit=self.args.throttling_rate_limit,
                    throttling_burst_limit=self.args.throttling_burst_limit,
                    detailed_metrics_enabled=False,
                ),
                access_log_settings=access_logs,
            ),
            # The routes must exist before the first auto deployment. `$default` is unique in
            # its API: a replacement removes the old stage first.
            opts=self._child(depends_on=list(self.routes.values()), delete_before_replace=True),
        )
