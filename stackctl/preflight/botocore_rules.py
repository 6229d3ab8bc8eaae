"""Check declared values against botocore's service models: the API call each resource makes.

botocore ships the API models AWS generates its SDKs from; each input member has a shape with
the constraints the service validates: `pattern`, `enum`, `min`/`max` (length of a string or a
list, or the range of a number). The table below names, per pulumi type, the call the provider
makes to create the resource and which input feeds which member. Values the mocks generated for
other resources (ids, ARNs) are skipped: AWS supplies the real ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from stackctl.harness import Graph
from stackctl.preflight.findings import Finding
from stackctl.preflight.mapping import SETTINGS_BEHIND
from stackctl.preflight.render import generated_values


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    members: dict[str, str]  # pulumi input -> top-level member of the operation's input


CALLS: dict[str, tuple[Call, ...]] = {
    "aws:cloudwatch/logGroup:LogGroup": (
        Call("logs", "CreateLogGroup", {"name": "logGroupName", "kmsKeyId": "kmsKeyId"}),
        Call("logs", "PutRetentionPolicy", {"retentionInDays": "retentionInDays"}),
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        Call(
            "cloudwatch",
            "PutMetricAlarm",
            {
                "name": "AlarmName",
                "alarmDescription": "AlarmDescription",
                "namespace": "Namespace",
                "metricName": "MetricName",
                "statistic": "Statistic",
                "period": "Period",
                "evaluationPeriods": "EvaluationPeriods",
                "datapointsToAlarm": "DatapointsToAlarm",
                "comparisonOperator": "ComparisonOperator",
                "treatMissingData": "TreatMissingData",
                "alarmActions": "AlarmActions",
                "okActions": "OKActions",
            },
        ),
    ),
    "aws:cloudwatch/dashboard:Dashboard": (
        Call("cloudwatch", "PutDashboard", {"dashboardName": "DashboardName"}),
    ),
    "aws:iam/role:Role": (
        Call(
            "iam",
            "CreateRole",
            {
                "name": "RoleName",
                "path": "Path",
                "description": "Description",
                "assumeRolePolicy": "AssumeRolePolicyDocument",
                "maxSessionDuration": "MaxSessionDuration",
                "permissionsBoundary": "PermissionsBoundary",
            },
        ),
    ),
    "aws:iam/rolePolicy:RolePolicy": (
        Call("iam", "PutRolePolicy", {"name": "PolicyName", "policy": "PolicyDocument"}),
    ),
    "aws:iam/policy:Policy": (
        Call(
            "iam",
            "CreatePolicy",
            {
                "name": "PolicyName",
                "path": "Path",
                "description": "Description",
                "policy": "PolicyDocument",
            },
        ),
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (
        Call("iam", "CreateOpenIDConnectProvider", {"url": "Url", "clientIdLists": "ClientIDList"}),
    ),
    "aws:wafv2/webAcl:WebAcl": (
        Call(
            "wafv2",
            "CreateWebACL",
            {"name": "Name", "description": "Description", "scope": "Scope"},
        ),
    ),
    "aws:ecs/taskDefinition:TaskDefinition": (
        Call(
            "ecs",
            "RegisterTaskDefinition",
            {
                "family": "family",
                "cpu": "cpu",
                "memory": "memory",
                "networkMode": "networkMode",
                "requiresCompatibilities": "requiresCompatibilities",
            },
        ),
    ),
    "aws:ecs/service:Service": (
        Call(
            "ecs",
            "CreateService",
            {"name": "serviceName", "propagateTags": "propagateTags", "launchType": "launchType"},
        ),
    ),
    "aws:ecs/cluster:Cluster": (Call("ecs", "CreateCluster", {"name": "clusterName"}),),
    "aws:ecr/repository:Repository": (
        Call(
            "ecr",
            "CreateRepository",
            {"name": "repositoryName", "imageTagMutability": "imageTagMutability"},
        ),
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": (
        Call("ecr", "PutLifecyclePolicy", {"policy": "lifecyclePolicyText"}),
    ),
    "aws:secretsmanager/secret:Secret": (
        Call(
            "secretsmanager",
            "CreateSecret",
            {"name": "Name", "description": "Description", "kmsKeyId": "KmsKeyId"},
        ),
    ),
    # (never `value`: a secret; CloudFormation has no SecureString, so this is the only check)
    "aws:ssm/parameter:Parameter": (
        Call(
            "ssm",
            "PutParameter",
            {"name": "Name", "type": "Type", "tier": "Tier", "description": "Description"},
        ),
    ),
    "aws:kms/key:Key": (
        Call("kms", "CreateKey", {"description": "Description", "policy": "Policy"}),
        Call("kms", "ScheduleKeyDeletion", {"deletionWindowInDays": "PendingWindowInDays"}),
    ),
    "aws:kms/alias:Alias": (Call("kms", "CreateAlias", {"name": "AliasName"}),),
    "aws:lb/loadBalancer:LoadBalancer": (
        Call("elbv2", "CreateLoadBalancer", {"name": "Name", "ipAddressType": "IpAddressType"}),
    ),
    "aws:lb/targetGroup:TargetGroup": (
        Call(
            "elbv2",
            "CreateTargetGroup",
            {"name": "Name", "port": "Port", "protocol": "Protocol", "targetType": "TargetType"},
        ),
    ),
    "aws:lb/listener:Listener": (
        Call("elbv2", "CreateListener", {"port": "Port", "protocol": "Protocol"}),
    ),
    "aws:lb/listenerRule:ListenerRule": (Call("elbv2", "CreateRule", {"priority": "Priority"}),),
    "aws:acm/certificate:Certificate": (
        Call(
            "acm",
            "RequestCertificate",
            {
                "domainName": "DomainName",
                "subjectAlternativeNames": "SubjectAlternativeNames",
                "validationMethod": "ValidationMethod",
                "keyAlgorithm": "KeyAlgorithm",
            },
        ),
    ),
    "aws:sns/topic:Topic": (Call("sns", "CreateTopic", {"name": "Name"}),),
    "aws:sns/topicSubscription:TopicSubscription": (
        Call("sns", "Subscribe", {"protocol": "Protocol", "endpoint": "Endpoint"}),
    ),
    "aws:appautoscaling/scheduledAction:ScheduledAction": (
        Call(
            "application-autoscaling",
            "PutScheduledAction",
            {
                "name": "ScheduledActionName",
                "schedule": "Schedule",
                "timezone": "Timezone",
                "resourceId": "ResourceId",
                "scalableDimension": "ScalableDimension",
                "serviceNamespace": "ServiceNamespace",
            },
        ),
    ),
    "aws:appautoscaling/policy:Policy": (
        Call(
            "application-autoscaling",
            "PutScalingPolicy",
            {"name": "PolicyName", "policyType": "PolicyType", "resourceId": "ResourceId"},
        ),
    ),
    "aws:rds/cluster:Cluster": (
        Call(
            "rds",
            "CreateDBCluster",
            {"clusterIdentifier": "DBClusterIdentifier", "engine": "Engine"},
        ),
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        Call(
            "elasticache",
            "CreateReplicationGroup",
            {
                "replicationGroupId": "ReplicationGroupId",
                "description": "ReplicationGroupDescription",
            },
        ),
    ),
    # -- lab ingress (HTTP API, Cloud Map, the origin-check Lambda) and the NAT schedule ----------
    "aws:apigatewayv2/api:Api": (
        Call(
            "apigatewayv2",
            "CreateApi",
            {"name": "Name", "protocolType": "ProtocolType", "ipAddressType": "IpAddressType"},
        ),
    ),
    "aws:apigatewayv2/vpcLink:VpcLink": (
        Call(
            "apigatewayv2",
            "CreateVpcLink",
            {"name": "Name", "subnetIds": "SubnetIds", "securityGroupIds": "SecurityGroupIds"},
        ),
    ),
    "aws:apigatewayv2/integration:Integration": (
        Call(
            "apigatewayv2",
            "CreateIntegration",
            {
                "integrationType": "IntegrationType",
                "connectionType": "ConnectionType",
                "integrationMethod": "IntegrationMethod",
                "payloadFormatVersion": "PayloadFormatVersion",
                "timeoutMilliseconds": "TimeoutInMillis",
                "passthroughBehavior": "PassthroughBehavior",
            },
        ),
    ),
    "aws:apigatewayv2/route:Route": (
        Call(
            "apigatewayv2",
            "CreateRoute",
            {"routeKey": "RouteKey", "authorizationType": "AuthorizationType"},
        ),
    ),
    "aws:apigatewayv2/authorizer:Authorizer": (
        Call(
            "apigatewayv2",
            "CreateAuthorizer",
            {
                "name": "Name",
                "authorizerType": "AuthorizerType",
                "authorizerPayloadFormatVersion": "AuthorizerPayloadFormatVersion",
                "authorizerResultTtlInSeconds": "AuthorizerResultTtlInSeconds",
                "identitySources": "IdentitySource",
            },
        ),
    ),
    "aws:apigatewayv2/stage:Stage": (
        Call("apigatewayv2", "CreateStage", {"name": "StageName", "description": "Description"}),
    ),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": (
        Call(
            "servicediscovery",
            "CreatePrivateDnsNamespace",
            {"name": "Name", "description": "Description"},
        ),
    ),
    "aws:servicediscovery/service:Service": (
        Call(
            "servicediscovery",
            "CreateService",
            {"name": "Name", "description": "Description", "type": "Type"},
        ),
    ),
    "aws:lambda/function:Function": (
        Call(
            "lambda",
            "CreateFunction",
            {
                "name": "FunctionName",
                "description": "Description",
                "runtime": "Runtime",
                "handler": "Handler",
                "timeout": "Timeout",
                "memorySize": "MemorySize",
                "architectures": "Architectures",
                "packageType": "PackageType",
            },
        ),
    ),
    "aws:lambda/permission:Permission": (
        Call(
            "lambda",
            "AddPermission",
            {"statementId": "StatementId", "action": "Action", "principal": "Principal"},
        ),
    ),
    "aws:scheduler/schedule:Schedule": (
        Call(
            "scheduler",
            "CreateSchedule",
            {
                "name": "Name",
                "groupName": "GroupName",
                "description": "Description",
                "scheduleExpression": "ScheduleExpression",
                "scheduleExpressionTimezone": "ScheduleExpressionTimezone",
                "state": "State",
            },
        ),
    ),
    "aws:ec2/flowLog:FlowLog": (
        Call(
            "ec2",
            "CreateFlowLogs",
            {"trafficType": "TrafficType", "logDestinationType": "LogDestinationType"},
        ),
    ),
}


@lru_cache(maxsize=1)
def _loader() -> Any:
    import botocore.loaders

    return botocore.loaders.Loader()


@cache
def _service(service: str) -> Any:
    import botocore.model

    return botocore.model.ServiceModel(_loader().load_service_model(service, "service-2"), service)


@cache
def _operation(service: str, operation: str) -> Any:
    return _service(service).operation_model(operation)


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None  # a construct Python's re lacks (e.g. \p{...}): not checked


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def shape_problems(shape: Any, value: Any) -> list[str]:
    """What botocore's shape says is wrong with `value` (top level and list members)."""
    meta = shape.metadata
    value = _number(value)
    problems: list[str] = []
    if shape.type_name == "list" and isinstance(value, list):
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"at least {meta['min']} items")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"at most {meta['max']} items")
        for item in value:
            problems.extend(shape_problems(shape.member, item))
        return problems
    if shape.type_name == "string" and isinstance(value, (str, int)):
        text = str(value)
        enum = getattr(shape, "enum", None) or []
        if enum and text not in enum:
            problems.append(f"not one of {sorted(enum)}")
        if "min" in meta and len(text) < meta["min"]:
            problems.append(f"shorter than {meta['min']} characters")
        if "max" in meta and len(text) > meta["max"]:
            problems.append(f"longer than {meta['max']} characters")
        pattern = meta.get("pattern")
        compiled = _compiled(pattern) if pattern else None
        if compiled is not None and not compiled.fullmatch(text):
            problems.append(f"does not match the pattern {pattern}")
    elif shape.type_name in ("integer", "long", "double", "float") and isinstance(
        value, (int, float)
    ):
        if "min" in meta and value < meta["min"]:
            problems.append(f"below the minimum {meta['min']}")
        if "max" in meta and value > meta["max"]:
            problems.append(f"above the maximum {meta['max']}")
    return problems


def check(graph: Graph) -> list[Finding]:
    generated = generated_values(graph)
    findings: list[Finding] = []
    for resource in graph.custom_resources():
        for call in CALLS.get(resource.type, ()):
            members = _operation(call.service, call.operation).input_shape.members
            for source, member in call.members.items():
                value = resource.inputs.get(source)
                if value is None or (isinstance(value, str) and value in generated):
                    continue
                if isinstance(value, list) and any(
                    isinstance(v, str) and v in generated for v in value
                ):
                    continue
                for problem in shape_problems(members[member], value):
                    findings.append(
                        Finding(
                            resource=resource.name,
                            type=resource.type,
                            property=source,
                            value=value,
                            rule=f"botocore {call.service}.{call.operation} {member}",
                            message=f"{call.operation} refuses it: {problem}",
                            setting=SETTINGS_BEHIND.get((resource.type, source)),
                        )
                    )
    return findings
