"""The one table that maps the program's pulumi_aws resources to CloudFormation resources.

cfn-lint validates CloudFormation templates against AWS's resource schemas, so the preflight
renders each declared resource as the CloudFormation resource that creates the same thing. For
each pulumi type used here: its `AWS::X::Y` type, which top-level inputs (camelCase, as the
provider receives them) become which CloudFormation properties, which inputs hold a JSON document
as a string (policies, container definitions), constants CloudFormation needs to say the same
thing, and restructurings where the two shapes differ. Nested objects are renamed key by key
(camelCase -> PascalCase, with the exceptions in NESTED_RENAMES); maps whose keys are data (log
driver options) keep their keys.

Only the inputs listed are rendered: the rest either have no CloudFormation counterpart or are
checked by the other two checkers. Types in NOT_RENDERED have no CloudFormation equivalent that
would check anything more (a test keeps every type the program uses in one of the two tables).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Inputs = Mapping[str, Any]


@dataclass(frozen=True)
class CfnType:
    cfn_type: str
    properties: Mapping[str, str]
    json_properties: frozenset[str] = frozenset()
    constants: Mapping[str, Any] = field(default_factory=dict)
    # Every rendered property goes under this one (CloudFront's *Config objects).
    wrap: str | None = None
    # Restructurings: CloudFormation property -> (pulumi input it comes from, builder).
    built: Mapping[str, tuple[str, Callable[[Inputs], Any]]] = field(default_factory=dict)


# Nested keys whose CloudFormation name is not the PascalCase of the pulumi name.
NESTED_RENAMES: dict[str, str] = {
    "cloudwatchMetricsEnabled": "CloudWatchMetricsEnabled",
    "cloudfrontDefaultCertificate": "CloudFrontDefaultCertificate",
    "fixedResponse": "FixedResponseConfig",
    "redirect": "RedirectConfig",
    "ttl": "TTL",  # Cloud Map DnsRecords
}
# Nested maps whose keys are data, not property names.
OPAQUE_KEYS: frozenset[str] = frozenset({"options", "dockerLabels", "allow", "block", "none"})


def _assign_public_ip(inputs: Inputs) -> Any:
    config = inputs.get("networkConfiguration") or {}
    return {
        "AwsvpcConfiguration": {
            "Subnets": config.get("subnets", []),
            "SecurityGroups": config.get("securityGroups", []),
            "AssignPublicIp": "ENABLED" if config.get("assignPublicIp") else "DISABLED",
        }
    }


def _deployment(inputs: Inputs) -> Any:
    breaker = inputs.get("deploymentCircuitBreaker") or {}
    built: dict[str, Any] = {}
    if breaker:
        built["DeploymentCircuitBreaker"] = {
            "Enable": breaker.get("enable"),
            "Rollback": breaker.get("rollback"),
        }
    for source, target in (
        ("deploymentMinimumHealthyPercent", "MinimumHealthyPercent"),
        ("deploymentMaximumPercent", "MaximumPercent"),
    ):
        if source in inputs:
            built[target] = inputs[source]
    return built or None


def _dimensions(inputs: Inputs) -> Any:
    dimensions = inputs.get("dimensions") or {}
    return [{"Name": k, "Value": v} for k, v in dimensions.items()] or None


def _metric_queries(inputs: Inputs) -> Any:
    """pulumi's `metricQueries[].metric {namespace, metricName, dimensions, period, stat}` is
    CloudFormation's `Metrics[].MetricStat {Metric {Namespace, MetricName, Dimensions}, Period,
    Stat}` (AWS::CloudWatch::Alarm MetricDataQuery)."""
    built = []
    for query in inputs.get("metricQueries") or []:
        item: dict[str, Any] = {"Id": query.get("id")}
        for source, target in (("expression", "Expression"), ("returnData", "ReturnData")):
            if query.get(source) is not None:
                item[target] = query[source]
        metric = query.get("metric")
        if metric:
            item["MetricStat"] = {
                "Metric": {
                    "Namespace": metric.get("namespace"),
                    "MetricName": metric.get("metricName"),
                    "Dimensions": _dimensions(metric),
                },
                "Period": metric.get("period"),
                "Stat": metric.get("stat"),
            }
        built.append(item)
    return built or None


def _scheme(inputs: Inputs) -> Any:
    if "internal" not in inputs:
        return None
    return "internal" if inputs["internal"] else "internet-facing"


_TARGET_GROUP_HEALTH = {
    "path": "HealthCheckPath",
    "protocol": "HealthCheckProtocol",
    "port": "HealthCheckPort",
    "interval": "HealthCheckIntervalSeconds",
    "timeout": "HealthCheckTimeoutSeconds",
    "healthyThreshold": "HealthyThresholdCount",
    "unhealthyThreshold": "UnhealthyThresholdCount",
    "enabled": "HealthCheckEnabled",
}


def _target_group_health(field_name: str) -> Callable[[Inputs], Any]:
    def build(inputs: Inputs) -> Any:
        return (inputs.get("healthCheck") or {}).get(field_name)

    return build


def _matcher(inputs: Inputs) -> Any:
    matcher = (inputs.get("healthCheck") or {}).get("matcher")
    return {"HttpCode": matcher} if matcher else None


def _listener_certificates(inputs: Inputs) -> Any:
    arn = inputs.get("certificateArn")
    return [{"CertificateArn": arn}] if arn else None


_CONDITION_FIELDS = {
    "hostHeader": ("host-header", "HostHeaderConfig"),
    "pathPattern": ("path-pattern", "PathPatternConfig"),
    "httpHeader": ("http-header", "HttpHeaderConfig"),
}


def _listener_conditions(inputs: Inputs) -> Any:
    conditions = []
    for condition in inputs.get("conditions") or []:
        for key, value in condition.items():
            field_name, config = _CONDITION_FIELDS.get(key, (key, key))
            conditions.append({"Field": field_name, config: {"Values": value.get("values")}})
    return conditions or None


def _vpc_origin(inputs: Inputs) -> Any:
    config = inputs.get("vpcOriginEndpointConfig") or {}
    protocols = (config.get("originSslProtocols") or {}).get("items")
    return {
        "Arn": config.get("arn"),
        "Name": config.get("name"),
        "HTTPPort": config.get("httpPort"),
        "HTTPSPort": config.get("httpsPort"),
        "OriginProtocolPolicy": config.get("originProtocolPolicy"),
        "OriginSSLProtocols": protocols,
    }


def _flow_log_resource(inputs: Inputs) -> Any:
    return inputs.get("vpcId")


TYPES: dict[str, CfnType] = {
    "aws:ec2/vpc:Vpc": CfnType(
        "AWS::EC2::VPC",
        {
            "cidrBlock": "CidrBlock",
            "enableDnsSupport": "EnableDnsSupport",
            "enableDnsHostnames": "EnableDnsHostnames",
            "instanceTenancy": "InstanceTenancy",
        },
    ),
    "aws:ec2/subnet:Subnet": CfnType(
        "AWS::EC2::Subnet",
        {
            "vpcId": "VpcId",
            "cidrBlock": "CidrBlock",
            "availabilityZone": "AvailabilityZone",
            "mapPublicIpOnLaunch": "MapPublicIpOnLaunch",
        },
    ),
    "aws:ec2/internetGateway:InternetGateway": CfnType("AWS::EC2::InternetGateway", {}),
    "aws:ec2/routeTable:RouteTable": CfnType("AWS::EC2::RouteTable", {"vpcId": "VpcId"}),
    "aws:ec2/route:Route": CfnType(
        "AWS::EC2::Route",
        {
            "routeTableId": "RouteTableId",
            "destinationCidrBlock": "DestinationCidrBlock",
            "gatewayId": "GatewayId",
            "natGatewayId": "NatGatewayId",
            "networkInterfaceId": "NetworkInterfaceId",
            "vpcEndpointId": "VpcEndpointId",
        },
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": CfnType(
        "AWS::EC2::SubnetRouteTableAssociation",
        {"subnetId": "SubnetId", "routeTableId": "RouteTableId"},
    ),
    "aws:ec2/securityGroup:SecurityGroup": CfnType(
        "AWS::EC2::SecurityGroup",
        {"description": "GroupDescription", "name": "GroupName", "vpcId": "VpcId"},
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": CfnType(
        "AWS::EC2::SecurityGroupIngress",
        {
            "securityGroupId": "GroupId",
            "ipProtocol": "IpProtocol",
            "fromPort": "FromPort",
            "toPort": "ToPort",
            "cidrIpv4": "CidrIp",
            "cidrIpv6": "CidrIpv6",
            "referencedSecurityGroupId": "SourceSecurityGroupId",
            "prefixListId": "SourcePrefixListId",
            "description": "Description",
        },
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": CfnType(
        "AWS::EC2::SecurityGroupEgress",
        {
            "securityGroupId": "GroupId",
            "ipProtocol": "IpProtocol",
            "fromPort": "FromPort",
            "toPort": "ToPort",
            "cidrIpv4": "CidrIp",
            "cidrIpv6": "CidrIpv6",
            "referencedSecurityGroupId": "DestinationSecurityGroupId",
            "prefixListId": "DestinationPrefixListId",
            "description": "Description",
        },
    ),
    "aws:ec2/eip:Eip": CfnType("AWS::EC2::EIP", {"domain": "Domain", "instance": "InstanceId"}),
    "aws:ec2/natGateway:NatGateway": CfnType(
        "AWS::EC2::NatGateway",
        {
            "subnetId": "SubnetId",
            "allocationId": "AllocationId",
            "connectivityType": "ConnectivityType",
        },
    ),
    "aws:ec2/instance:Instance": CfnType(
        "AWS::EC2::Instance",
        {
            "ami": "ImageId",
            "instanceType": "InstanceType",
            "subnetId": "SubnetId",
            "vpcSecurityGroupIds": "SecurityGroupIds",
            "sourceDestCheck": "SourceDestCheck",
            "monitoring": "Monitoring",
            "ebsOptimized": "EbsOptimized",
            "iamInstanceProfile": "IamInstanceProfile",
            "metadataOptions": "MetadataOptions",
        },
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": CfnType(
        "AWS::EC2::VPCEndpoint",
        {
            "vpcId": "VpcId",
            "serviceName": "ServiceName",
            "vpcEndpointType": "VpcEndpointType",
            "routeTableIds": "RouteTableIds",
            "subnetIds": "SubnetIds",
            "securityGroupIds": "SecurityGroupIds",
            "privateDnsEnabled": "PrivateDnsEnabled",
            "policy": "PolicyDocument",
        },
        json_properties=frozenset({"policy"}),
    ),
    "aws:ec2/flowLog:FlowLog": CfnType(
        "AWS::EC2::FlowLog",
        {
            "trafficType": "TrafficType",
            "logDestinationType": "LogDestinationType",
            "logDestination": "LogDestination",
            "iamRoleArn": "DeliverLogsPermissionArn",
            "maxAggregationInterval": "MaxAggregationInterval",
        },
        constants={"ResourceType": "VPC"},
        built={"ResourceId": ("vpcId", _flow_log_resource)},
    ),
    "aws:cloudwatch/logGroup:LogGroup": CfnType(
        "AWS::Logs::LogGroup",
        {"name": "LogGroupName", "retentionInDays": "RetentionInDays", "kmsKeyId": "KmsKeyId"},
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": CfnType(
        "AWS::CloudWatch::Alarm",
        {
            "name": "AlarmName",
            "alarmDescription": "AlarmDescription",
            "metricName": "MetricName",
            "namespace": "Namespace",
            "statistic": "Statistic",
            "extendedStatistic": "ExtendedStatistic",
            "period": "Period",
            "evaluationPeriods": "EvaluationPeriods",
            "datapointsToAlarm": "DatapointsToAlarm",
            "threshold": "Threshold",
            "comparisonOperator": "ComparisonOperator",
            "treatMissingData": "TreatMissingData",
            "alarmActions": "AlarmActions",
            "okActions": "OKActions",
            "insufficientDataActions": "InsufficientDataActions",
        },
        built={
            "Dimensions": ("dimensions", _dimensions),
            "Metrics": ("metricQueries", _metric_queries),
        },
    ),
    "aws:cloudwatch/dashboard:Dashboard": CfnType(
        "AWS::CloudWatch::Dashboard",
        {"dashboardName": "DashboardName", "dashboardBody": "DashboardBody"},
    ),
    "aws:ecr/repository:Repository": CfnType(
        "AWS::ECR::Repository",
        {
            "name": "RepositoryName",
            "imageTagMutability": "ImageTagMutability",
            "imageScanningConfiguration": "ImageScanningConfiguration",
            "forceDelete": "EmptyOnDelete",
        },
        built={
            "EncryptionConfiguration": (
                "encryptionConfigurations",
                lambda i: (
                    {
                        "EncryptionType": (i.get("encryptionConfigurations") or [{}])[0].get(
                            "encryptionType"
                        )
                    }
                    if i.get("encryptionConfigurations")
                    else None
                ),
            )
        },
    ),
    "aws:ecs/cluster:Cluster": CfnType(
        "AWS::ECS::Cluster", {"name": "ClusterName", "settings": "ClusterSettings"}
    ),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": CfnType(
        "AWS::ECS::ClusterCapacityProviderAssociations",
        {
            "clusterName": "Cluster",
            "capacityProviders": "CapacityProviders",
            "defaultCapacityProviderStrategies": "DefaultCapacityProviderStrategy",
        },
    ),
    "aws:ecs/service:Service": CfnType(
        "AWS::ECS::Service",
        {
            "name": "ServiceName",
            "cluster": "Cluster",
            "taskDefinition": "TaskDefinition",
            "desiredCount": "DesiredCount",
            "launchType": "LaunchType",
            "propagateTags": "PropagateTags",
            "enableEcsManagedTags": "EnableECSManagedTags",
            "enableExecuteCommand": "EnableExecuteCommand",
            "healthCheckGracePeriodSeconds": "HealthCheckGracePeriodSeconds",
            "loadBalancers": "LoadBalancers",
            "capacityProviderStrategies": "CapacityProviderStrategy",
            "platformVersion": "PlatformVersion",
        },
        built={
            "NetworkConfiguration": ("networkConfiguration", _assign_public_ip),
            "DeploymentConfiguration": ("deploymentCircuitBreaker", _deployment),
        },
    ),
    "aws:ecs/taskDefinition:TaskDefinition": CfnType(
        "AWS::ECS::TaskDefinition",
        {
            "family": "Family",
            "cpu": "Cpu",
            "memory": "Memory",
            "networkMode": "NetworkMode",
            "requiresCompatibilities": "RequiresCompatibilities",
            "executionRoleArn": "ExecutionRoleArn",
            "taskRoleArn": "TaskRoleArn",
            "runtimePlatform": "RuntimePlatform",
            "containerDefinitions": "ContainerDefinitions",
            "volumes": "Volumes",
            "ephemeralStorage": "EphemeralStorage",
        },
        json_properties=frozenset({"containerDefinitions"}),
    ),
    "aws:lb/loadBalancer:LoadBalancer": CfnType(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "name": "Name",
            "subnets": "Subnets",
            "securityGroups": "SecurityGroups",
            "loadBalancerType": "Type",
            "ipAddressType": "IpAddressType",
        },
        built={"Scheme": ("internal", _scheme)},
    ),
    "aws:lb/targetGroup:TargetGroup": CfnType(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "name": "Name",
            "port": "Port",
            "protocol": "Protocol",
            "targetType": "TargetType",
            "vpcId": "VpcId",
        },
        built={
            **{
                target: ("healthCheck", _target_group_health(source))
                for source, target in _TARGET_GROUP_HEALTH.items()
            },
            "Matcher": ("healthCheck", _matcher),
        },
    ),
    "aws:lb/listener:Listener": CfnType(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "loadBalancerArn": "LoadBalancerArn",
            "port": "Port",
            "protocol": "Protocol",
            "sslPolicy": "SslPolicy",
            "defaultActions": "DefaultActions",
        },
        built={"Certificates": ("certificateArn", _listener_certificates)},
    ),
    "aws:lb/listenerRule:ListenerRule": CfnType(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {"listenerArn": "ListenerArn", "priority": "Priority", "actions": "Actions"},
        built={"Conditions": ("conditions", _listener_conditions)},
    ),
    "aws:cloudfront/distribution:Distribution": CfnType(
        "AWS::CloudFront::Distribution",
        {
            "comment": "Comment",
            "enabled": "Enabled",
            "priceClass": "PriceClass",
            "httpVersion": "HttpVersion",
            "isIpv6Enabled": "IPV6Enabled",
            "aliases": "Aliases",
            "defaultRootObject": "DefaultRootObject",
            "webAclId": "WebACLId",
            "viewerCertificate": "ViewerCertificate",
            "loggingConfig": "Logging",
        },
        wrap="DistributionConfig",
    ),
    "aws:cloudfront/originAccessControl:OriginAccessControl": CfnType(
        "AWS::CloudFront::OriginAccessControl",
        {
            "name": "Name",
            "description": "Description",
            "originAccessControlOriginType": "OriginAccessControlOriginType",
            "signingBehavior": "SigningBehavior",
            "signingProtocol": "SigningProtocol",
        },
        wrap="OriginAccessControlConfig",
    ),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": CfnType(
        "AWS::CloudFront::ResponseHeadersPolicy",
        {"name": "Name", "comment": "Comment", "securityHeadersConfig": "SecurityHeadersConfig"},
        wrap="ResponseHeadersPolicyConfig",
    ),
    "aws:cloudfront/vpcOrigin:VpcOrigin": CfnType(
        "AWS::CloudFront::VpcOrigin",
        {},
        built={"VpcOriginEndpointConfig": ("vpcOriginEndpointConfig", _vpc_origin)},
    ),
    "aws:wafv2/webAcl:WebAcl": CfnType(
        "AWS::WAFv2::WebACL",
        {
            "name": "Name",
            "description": "Description",
            "scope": "Scope",
            "defaultAction": "DefaultAction",
            "visibilityConfig": "VisibilityConfig",
        },
    ),
    "aws:acm/certificate:Certificate": CfnType(
        "AWS::CertificateManager::Certificate",
        {
            "domainName": "DomainName",
            "subjectAlternativeNames": "SubjectAlternativeNames",
            "validationMethod": "ValidationMethod",
            "keyAlgorithm": "KeyAlgorithm",
        },
    ),
    "aws:route53/record:Record": CfnType(
        "AWS::Route53::RecordSet",
        {
            "zoneId": "HostedZoneId",
            "name": "Name",
            "type": "Type",
            "ttl": "TTL",
            "records": "ResourceRecords",
        },
    ),
    "aws:rds/cluster:Cluster": CfnType(
        "AWS::RDS::DBCluster",
        {
            "clusterIdentifier": "DBClusterIdentifier",
            "engine": "Engine",
            "engineMode": "EngineMode",
            "engineVersion": "EngineVersion",
            "databaseName": "DatabaseName",
            "masterUsername": "MasterUsername",
            "manageMasterUserPassword": "ManageMasterUserPassword",
            "port": "Port",
            "dbSubnetGroupName": "DBSubnetGroupName",
            "vpcSecurityGroupIds": "VpcSecurityGroupIds",
            "storageEncrypted": "StorageEncrypted",
            "kmsKeyId": "KmsKeyId",
            "backupRetentionPeriod": "BackupRetentionPeriod",
            "preferredBackupWindow": "PreferredBackupWindow",
            "preferredMaintenanceWindow": "PreferredMaintenanceWindow",
            "copyTagsToSnapshot": "CopyTagsToSnapshot",
            "enabledCloudwatchLogsExports": "EnableCloudwatchLogsExports",
            "deletionProtection": "DeletionProtection",
            "serverlessv2ScalingConfiguration": "ServerlessV2ScalingConfiguration",
            "autoMinorVersionUpgrade": "AutoMinorVersionUpgrade",
        },
    ),
    "aws:rds/clusterInstance:ClusterInstance": CfnType(
        "AWS::RDS::DBInstance",
        {
            "identifier": "DBInstanceIdentifier",
            "clusterIdentifier": "DBClusterIdentifier",
            "engine": "Engine",
            "instanceClass": "DBInstanceClass",
            "availabilityZone": "AvailabilityZone",
            "dbSubnetGroupName": "DBSubnetGroupName",
            "promotionTier": "PromotionTier",
            "publiclyAccessible": "PubliclyAccessible",
            "performanceInsightsEnabled": "EnablePerformanceInsights",
            "performanceInsightsRetentionPeriod": "PerformanceInsightsRetentionPeriod",
            # Not copyTagsToSnapshot: for an Aurora member RDS documents it as "not applicable,
            # managed by the DB cluster" (no effect, not refused); CloudFormation forbids it.
            "autoMinorVersionUpgrade": "AutoMinorVersionUpgrade",
        },
    ),
    "aws:rds/subnetGroup:SubnetGroup": CfnType(
        "AWS::RDS::DBSubnetGroup",
        {
            "name": "DBSubnetGroupName",
            "description": "DBSubnetGroupDescription",
            "subnetIds": "SubnetIds",
        },
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": CfnType(
        "AWS::ElastiCache::ReplicationGroup",
        {
            "description": "ReplicationGroupDescription",
            "replicationGroupId": "ReplicationGroupId",
            "engine": "Engine",
            "engineVersion": "EngineVersion",
            "nodeType": "CacheNodeType",
            "numCacheClusters": "NumCacheClusters",
            "port": "Port",
            "automaticFailoverEnabled": "AutomaticFailoverEnabled",
            "multiAzEnabled": "MultiAZEnabled",
            "transitEncryptionEnabled": "TransitEncryptionEnabled",
            "atRestEncryptionEnabled": "AtRestEncryptionEnabled",
            "subnetGroupName": "CacheSubnetGroupName",
            "securityGroupIds": "SecurityGroupIds",
            "snapshotRetentionLimit": "SnapshotRetentionLimit",
            "snapshotWindow": "SnapshotWindow",
            "maintenanceWindow": "PreferredMaintenanceWindow",
            "kmsKeyId": "KmsKeyId",
        },
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": CfnType(
        "AWS::ElastiCache::SubnetGroup",
        {"name": "CacheSubnetGroupName", "description": "Description", "subnetIds": "SubnetIds"},
    ),
    "aws:iam/instanceProfile:InstanceProfile": CfnType(
        "AWS::IAM::InstanceProfile", {"name": "InstanceProfileName", "path": "Path"}
    ),
    "aws:iam/role:Role": CfnType(
        "AWS::IAM::Role",
        {
            "name": "RoleName",
            "path": "Path",
            "description": "Description",
            "assumeRolePolicy": "AssumeRolePolicyDocument",
            "maxSessionDuration": "MaxSessionDuration",
            "permissionsBoundary": "PermissionsBoundary",
        },
        json_properties=frozenset({"assumeRolePolicy"}),
    ),
    "aws:iam/rolePolicy:RolePolicy": CfnType(
        "AWS::IAM::RolePolicy",
        {"name": "PolicyName", "role": "RoleName", "policy": "PolicyDocument"},
        json_properties=frozenset({"policy"}),
    ),
    "aws:iam/policy:Policy": CfnType(
        "AWS::IAM::ManagedPolicy",
        {
            "name": "ManagedPolicyName",
            "path": "Path",
            "description": "Description",
            "policy": "PolicyDocument",
        },
        json_properties=frozenset({"policy"}),
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": CfnType(
        "AWS::IAM::OIDCProvider",
        {"url": "Url", "clientIdLists": "ClientIdList", "thumbprintLists": "ThumbprintList"},
    ),
    "aws:kms/key:Key": CfnType(
        "AWS::KMS::Key",
        {
            "description": "Description",
            "enableKeyRotation": "EnableKeyRotation",
            "policy": "KeyPolicy",
            "deletionWindowInDays": "PendingWindowInDays",
            "keyUsage": "KeyUsage",
        },
        json_properties=frozenset({"policy"}),
    ),
    "aws:kms/alias:Alias": CfnType(
        "AWS::KMS::Alias", {"name": "AliasName", "targetKeyId": "TargetKeyId"}
    ),
    "aws:s3/bucket:Bucket": CfnType("AWS::S3::Bucket", {"bucket": "BucketName"}),
    "aws:s3/bucketPolicy:BucketPolicy": CfnType(
        "AWS::S3::BucketPolicy",
        {"bucket": "Bucket", "policy": "PolicyDocument"},
        json_properties=frozenset({"policy"}),
    ),
    "aws:secretsmanager/secret:Secret": CfnType(
        "AWS::SecretsManager::Secret",
        {"name": "Name", "description": "Description", "kmsKeyId": "KmsKeyId"},
    ),
    # -- sign-in (Cognito): the provider's flat inputs, CloudFormation's Policies/EnabledMfas
    "aws:cognito/userPool:UserPool": CfnType(
        "AWS::Cognito::UserPool",
        {
            "name": "UserPoolName",
            "userPoolTier": "UserPoolTier",
            "usernameAttributes": "UsernameAttributes",
            "autoVerifiedAttributes": "AutoVerifiedAttributes",
            "usernameConfiguration": "UsernameConfiguration",
            "accountRecoverySetting": "AccountRecoverySetting",
            "adminCreateUserConfig": "AdminCreateUserConfig",
            "emailConfiguration": "EmailConfiguration",
            "deletionProtection": "DeletionProtection",
            "mfaConfiguration": "MfaConfiguration",
        },
        built={
            "Policies": (
                "passwordPolicy",
                lambda i: (
                    {"passwordPolicy": i["passwordPolicy"]} if i.get("passwordPolicy") else None
                ),
            ),
            "EnabledMfas": (
                "softwareTokenMfaConfiguration",
                lambda i: (
                    ["SOFTWARE_TOKEN_MFA"]
                    if (i.get("softwareTokenMfaConfiguration") or {}).get("enabled")
                    else None
                ),
            ),
        },
    ),
    "aws:cognito/userPoolClient:UserPoolClient": CfnType(
        "AWS::Cognito::UserPoolClient",
        {
            "name": "ClientName",
            "userPoolId": "UserPoolId",
            "generateSecret": "GenerateSecret",
            "explicitAuthFlows": "ExplicitAuthFlows",
            "enableTokenRevocation": "EnableTokenRevocation",
            "preventUserExistenceErrors": "PreventUserExistenceErrors",
            "accessTokenValidity": "AccessTokenValidity",
            "idTokenValidity": "IdTokenValidity",
            "refreshTokenValidity": "RefreshTokenValidity",
            "tokenValidityUnits": "TokenValidityUnits",
        },
    ),
    "aws:sns/topic:Topic": CfnType(
        "AWS::SNS::Topic",
        {"name": "TopicName", "displayName": "DisplayName", "kmsMasterKeyId": "KmsMasterKeyId"},
    ),
    "aws:sns/topicSubscription:TopicSubscription": CfnType(
        "AWS::SNS::Subscription",
        {"protocol": "Protocol", "endpoint": "Endpoint", "topic": "TopicArn"},
    ),
    "aws:appautoscaling/target:Target": CfnType(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "serviceNamespace": "ServiceNamespace",
            "scalableDimension": "ScalableDimension",
            "resourceId": "ResourceId",
            "minCapacity": "MinCapacity",
            "maxCapacity": "MaxCapacity",
        },
    ),
    "aws:appautoscaling/policy:Policy": CfnType(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "name": "PolicyName",
            "policyType": "PolicyType",
            "serviceNamespace": "ServiceNamespace",
            "scalableDimension": "ScalableDimension",
            "resourceId": "ResourceId",
            "targetTrackingScalingPolicyConfiguration": "TargetTrackingScalingPolicyConfiguration",
        },
    ),
    # -- lab ingress and NAT schedule --------------------------------------------------------
    "aws:apigatewayv2/api:Api": CfnType(
        "AWS::ApiGatewayV2::Api",
        {
            "name": "Name",
            "protocolType": "ProtocolType",
            "description": "Description",
            "disableExecuteApiEndpoint": "DisableExecuteApiEndpoint",
        },
    ),
    "aws:apigatewayv2/vpcLink:VpcLink": CfnType(
        "AWS::ApiGatewayV2::VpcLink",
        {"name": "Name", "subnetIds": "SubnetIds", "securityGroupIds": "SecurityGroupIds"},
    ),
    # requestParameters is not rendered: its keys ("overwrite:path") are data that the nested
    # renaming would change, and the schema types it as a free-form map anyway.
    "aws:apigatewayv2/integration:Integration": CfnType(
        "AWS::ApiGatewayV2::Integration",
        {
            "apiId": "ApiId",
            "description": "Description",
            "integrationType": "IntegrationType",
            "connectionType": "ConnectionType",
            "connectionId": "ConnectionId",
            "integrationUri": "IntegrationUri",
            "integrationMethod": "IntegrationMethod",
            "payloadFormatVersion": "PayloadFormatVersion",
            "timeoutMilliseconds": "TimeoutInMillis",
        },
    ),
    "aws:apigatewayv2/route:Route": CfnType(
        "AWS::ApiGatewayV2::Route",
        {
            "apiId": "ApiId",
            "routeKey": "RouteKey",
            "target": "Target",
            "authorizationType": "AuthorizationType",
            "authorizerId": "AuthorizerId",
        },
    ),
    "aws:apigatewayv2/authorizer:Authorizer": CfnType(
        "AWS::ApiGatewayV2::Authorizer",
        {
            "apiId": "ApiId",
            "name": "Name",
            "authorizerType": "AuthorizerType",
            "authorizerUri": "AuthorizerUri",
            "authorizerPayloadFormatVersion": "AuthorizerPayloadFormatVersion",
            "enableSimpleResponses": "EnableSimpleResponses",
            "identitySources": "IdentitySource",
            "authorizerResultTtlInSeconds": "AuthorizerResultTtlInSeconds",
        },
    ),
    "aws:apigatewayv2/stage:Stage": CfnType(
        "AWS::ApiGatewayV2::Stage",
        {
            "apiId": "ApiId",
            "name": "StageName",
            "autoDeploy": "AutoDeploy",
            "defaultRouteSettings": "DefaultRouteSettings",
            "accessLogSettings": "AccessLogSettings",
        },
    ),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": CfnType(
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        {"name": "Name", "vpc": "Vpc", "description": "Description"},
    ),
    "aws:servicediscovery/service:Service": CfnType(
        "AWS::ServiceDiscovery::Service",
        {
            "name": "Name",
            "description": "Description",
            "dnsConfig": "DnsConfig",
            "healthCheckConfig": "HealthCheckConfig",
            "healthCheckCustomConfig": "HealthCheckCustomConfig",
        },
    ),
    # environment is not rendered: it holds the origin secrets.
    "aws:lambda/function:Function": CfnType(
        "AWS::Lambda::Function",
        {
            "name": "FunctionName",
            "description": "Description",
            "role": "Role",
            "runtime": "Runtime",
            "architectures": "Architectures",
            "handler": "Handler",
            "memorySize": "MemorySize",
            "timeout": "Timeout",
            "loggingConfig": "LoggingConfig",
        },
    ),
    "aws:lambda/permission:Permission": CfnType(
        "AWS::Lambda::Permission",
        {
            "action": "Action",
            "function": "FunctionName",
            "principal": "Principal",
            "sourceArn": "SourceArn",
        },
    ),
    "aws:scheduler/schedule:Schedule": CfnType(
        "AWS::Scheduler::Schedule",
        {
            "name": "Name",
            "description": "Description",
            "scheduleExpression": "ScheduleExpression",
            "scheduleExpressionTimezone": "ScheduleExpressionTimezone",
            "flexibleTimeWindow": "FlexibleTimeWindow",
            "target": "Target",
            "state": "State",
        },
    ),
}

# Types with no CloudFormation resource that would check more than the other checkers do.
NOT_RENDERED: dict[str, str] = {
    "pulumi:providers:aws": "the provider itself, not an AWS resource",
    "random:index/randomPassword:RandomPassword": "generated locally, not an AWS resource",
    "random:index/randomId:RandomId": "generated locally, not an AWS resource",
    "pulumi-python:dynamic/fullstack:MigrationRun": (
        "a step of `pulumi up` (RunTask of the migration task definition, which is checked)"
    ),
    "pulumi-python:dynamic/fullstack:StaticFiles": (
        "a step of `pulumi up` (PutObject into the static bucket, which is checked)"
    ),
    "pulumi-python:dynamic/fullstack:AppSecretsCheck": (
        "a step of `pulumi up` (DescribeParameters: are the app's own secrets set)"
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "adopts the VPC's default group",
    "aws:acm/certificateValidation:CertificateValidation": "waits for validation; no API input",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "a property of AWS::ECR::Repository (botocore)",
    "aws:secretsmanager/secretVersion:SecretVersion": "secret value: never rendered",
    "aws:ssm/parameter:Parameter": (
        "SecureString is not supported in CloudFormation templates (botocore ssm, "
        "PutParameterRequest.Type); checked against botocore's PutParameter"
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "a property of AWS::S3::Bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "a property of AWS::S3::Bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "a property of AWS::S3::Bucket"
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (
        "a property of AWS::S3::Bucket"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": "a property of AWS::S3::Bucket",
    "aws:appautoscaling/scheduledAction:ScheduledAction": (
        "a property of AWS::ApplicationAutoScaling::ScalableTarget (botocore)"
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "a property of AWS::IAM::Role",
}

# Inputs whose value comes from one setting: a finding on them names the setting.
SETTINGS_BEHIND: dict[tuple[str, str], str] = {
    ("aws:ec2/vpc:Vpc", "cidrBlock"): "vpcCidr",
    ("aws:ec2/subnet:Subnet", "cidrBlock"): "vpcCidr",
    ("aws:ec2/instance:Instance", "instanceType"): "natInstanceType",
    ("aws:cloudwatch/logGroup:LogGroup", "retentionInDays"): "logRetentionDays",
    ("aws:rds/cluster:Cluster", "engineVersion"): "dbEngineVersion",
    ("aws:rds/cluster:Cluster", "serverlessv2ScalingConfiguration"): "dbMinAcu/dbMaxAcu",
    ("aws:rds/cluster:Cluster", "backupRetentionPeriod"): "backupRetentionDays",
    ("aws:elasticache/replicationGroup:ReplicationGroup", "nodeType"): "redisNodeType",
    ("aws:elasticache/replicationGroup:ReplicationGroup", "engine"): "redisEngine",
    ("aws:ecs/taskDefinition:TaskDefinition", "cpu"): "<service>.cpu",
    ("aws:ecs/taskDefinition:TaskDefinition", "memory"): "<service>.memory",
    ("aws:ecs/taskDefinition:TaskDefinition", "runtimePlatform"): "cpuArchitecture",
    ("aws:cloudfront/distribution:Distribution", "priceClass"): "priceClass",
    ("aws:cloudfront/distribution:Distribution", "aliases"): "domain",
    ("aws:acm/certificate:Certificate", "domainName"): "domain",
    ("aws:sns/topicSubscription:TopicSubscription", "endpoint"): "alarmEmail",
    ("aws:ecr/lifecyclePolicy:LifecyclePolicy", "policy"): "ecrKeepTagged",
}
