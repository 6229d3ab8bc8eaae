"""Resource types with no charge of their own, each with the reason (the estimate lists them).

`FREE_TYPES` maps a type token to why it costs nothing (or why its cost is on another line):
`estimate` counts the resources of these types under `Estimate.free`, so nothing in the graph
is silently left out. A type that is neither priced, nor here, is listed as unpriced.
"""

from __future__ import annotations

from types import MappingProxyType

_NETWORK = "VPC networking objects have no charge; traffic is billed at the NAT or endpoint"
_IAM = "IAM is a free service"
_ALB_PART = "part of the load balancer: billed on the ALB's hour and LCU lines"
_S3_PART = "bucket configuration: storage and requests are billed on the bucket's line"
_CLOUDFRONT_PART = "CloudFront configuration: no charge of its own (requests and data billed)"
_SNS = "SNS: no charge for topics; email notifications of alarms are within the free tier"
_SCALING = "Application Auto Scaling has no charge; the tasks it runs are billed on the service"

FREE_TYPES: MappingProxyType[str, str] = MappingProxyType(
    {
        "aws:ec2/vpc:Vpc": _NETWORK,
        "aws:ec2/subnet:Subnet": _NETWORK,
        "aws:ec2/routeTable:RouteTable": _NETWORK,
        "aws:ec2/route:Route": _NETWORK,
        "aws:ec2/routeTableAssociation:RouteTableAssociation": _NETWORK,
        "aws:ec2/internetGateway:InternetGateway": _NETWORK,
        "aws:ec2/securityGroup:SecurityGroup": _NETWORK,
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _NETWORK,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _NETWORK,
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _NETWORK,
        "aws:ec2/networkInterface:NetworkInterface": (
            "an ENI has no charge; a public IPv4 on it is billed on the address's line"
        ),
        "aws:ec2/eipAssociation:EipAssociation": "the address is billed on the Elastic IP's line",
        "aws:ec2/launchTemplate:LaunchTemplate": "a launch template has no charge",
        "aws:ec2/flowLog:FlowLog": "billed as ingest and storage on the log group's lines",
        "aws:iam/role:Role": _IAM,
        "aws:iam/rolePolicy:RolePolicy": _IAM,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _IAM,
        "aws:iam/policy:Policy": _IAM,
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _IAM,
        "aws:iam/instanceProfile:InstanceProfile": _IAM,
        # release steps of `pulumi up` (components/release_steps.py): the task they run and the
        # objects they write are the cost, the steps themselves are not AWS resources
        "pulumi-python:dynamic/fullstack:MigrationRun": "a step of pulumi up, not an AWS "
        "resource: the migration task's seconds on Fargate are its cost",
        "pulumi-python:dynamic/fullstack:StaticFiles": "a step of pulumi up, not an AWS "
        "resource: the objects it writes are billed on the static bucket's line",
        "pulumi-python:dynamic/fullstack:AppSecretsCheck": "a step of pulumi up, not an AWS "
        "resource: it only reads the names of the app's secrets (standard parameters are free)",
        "aws:lb/targetGroup:TargetGroup": _ALB_PART,
        "aws:lb/listener:Listener": _ALB_PART,
        "aws:lb/listenerRule:ListenerRule": _ALB_PART,
        "aws:rds/subnetGroup:SubnetGroup": "a DB subnet group has no charge",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup": "a parameter group has no charge",
        "aws:elasticache/subnetGroup:SubnetGroup": "a cache subnet group has no charge",
        "aws:secretsmanager/secretVersion:SecretVersion": (
            "a version is billed with its secret (per secret-month, not per version)"
        ),
        "aws:s3/bucketPolicy:BucketPolicy": _S3_PART,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _S3_PART,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _S3_PART,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
            _S3_PART
        ),
        "aws:s3/bucketVersioning:BucketVersioning": _S3_PART,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _S3_PART,
        "aws:s3/bucketObjectv2:BucketObjectv2": "a small object: within the bucket's storage line",
        "aws:s3/bucketObject:BucketObject": "a small object: within the bucket's storage line",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy": "a lifecycle policy has no charge",
        "aws:cognito/userPoolClient:UserPoolClient": (
            "an app client has no charge: its users are billed on the pool's MAU line"
        ),
        "aws:ecs/cluster:Cluster": (
            "an ECS cluster has no charge (Container Insights, when on, is its own line)"
        ),
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": (
            "capacity providers have no charge; the tasks are billed on the service"
        ),
        "aws:ecs/taskDefinition:TaskDefinition": (
            "billed through the service that runs it (or a free line when none does)"
        ),
        "aws:appautoscaling/target:Target": _SCALING,
        "aws:appautoscaling/policy:Policy": _SCALING,
        "aws:appautoscaling/scheduledAction:ScheduledAction": _SCALING,
        "aws:cloudfront/originAccessControl:OriginAccessControl": _CLOUDFRONT_PART,
        "aws:cloudfront/vpcOrigin:VpcOrigin": _CLOUDFRONT_PART,
        "aws:cloudfront/cachePolicy:CachePolicy": _CLOUDFRONT_PART,
        "aws:cloudfront/originRequestPolicy:OriginRequestPolicy": _CLOUDFRONT_PART,
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": _CLOUDFRONT_PART,
        "aws:cloudfront/function:Function": (
            "CloudFront Functions bill per invocation: within the always-free tier when idle"
        ),
        "aws:acm/certificate:Certificate": "public ACM certificates are free",
        "aws:acm/certificateValidation:CertificateValidation": "a validation wait, not a resource",
        "aws:route53/record:Record": (
            "records have no monthly charge; alias queries to AWS resources are free"
        ),
        "aws:sns/topic:Topic": _SNS,
        "aws:sns/topicSubscription:TopicSubscription": _SNS,
        "aws:sns/topicPolicy:TopicPolicy": _SNS,
        "aws:kms/alias:Alias": "an alias has no charge; the key is billed on its own line",
        "aws:cloudwatch/eventRule:EventRule": (
            "EventBridge does not charge for rules, nor for events AWS services send"
        ),
        "aws:cloudwatch/eventTarget:EventTarget": "part of its EventBridge rule: no charge",
        "aws:lambda/permission:Permission": "a resource policy statement: no charge",
        "aws:scheduler/scheduleGroup:ScheduleGroup": (
            "a schedule group has no charge; its schedules are priced per invocation"
        ),
        "aws:servicediscovery/httpNamespace:HttpNamespace": (
            "an HTTP namespace has no hosted zone: no charge of its own (instances and lookups "
            "are billed on the Cloud Map service)"
        ),
    }
)
