"""What `pulumi up` / `pulumi destroy` of this program calls in AWS, by resource type, as data.

`TYPE_GRANTS` maps every Pulumi type the program can declare (and every data source it calls,
`CALL_GRANTS`) to the API actions the provider makes for it: create, read (refresh), update, tag,
delete. Each group of actions names a `Scope`: where AWS lets us say *which* resources (an ARN
pattern built from the stack's names), or `*` when the service authorization reference lists no
resource type for the action, with a written `reason` and the conditions that still narrow it (the
stack's regions, the stack's tags, the calling service). The CI deploy role's policies are built
from this table and nothing else (components/security/ci_identity.py); a test fails when the program
declares a type that has no entry here.

IAM itself is not in the table: the deploy role's IAM statements (roles only under the project's
path, only with the permissions boundary, pass only to the program's services) are written out in
ci_identity.py, where the tests check them one by one.

Sources, in our words: AWS's *Service Authorization Reference* (the per-service tables of
actions, resource types and condition keys). Actions whose row has no resource type (EC2's
Describe*, ecr:GetAuthorizationToken, ecs:RegisterTaskDefinition, kms:CreateKey,
acm:RequestCertificate, application-autoscaling's actions, the List* calls of most services)
accept only `"Resource": "*"`. CloudFront, Route 53 and WAF for CloudFront are global:
their API calls are made in us-east-1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Where a group of actions may act.

    `resources` are ARN templates: `{account}`, `{region}` (expanded over `regions`), `{prefix}`
    (`<project>-<stack>`), `{logs}` (`/<project>/<stack>`), `{stack}`, `{project}`. `"*"` needs a
    `reason`. `condition` names one of the narrowing conditions ci_identity.py knows:
    "region" (aws:RequestedRegion is one of the stack's regions), "stack-tag" (the resource
    carries this stack's `project` and `stack` default tags), "via-data-services" (a KMS call that
    RDS or Secrets Manager makes for us), "record-names" (Route 53 changes only to the site's
    names, when a domain is set), "request-stack-tag" (the request tags the new resource with
    this stack's `project` and `stack` tags), "ec2-create-action" (ec2:CreateTags only inside one of
    `EC2_CREATE_ACTIONS`, with this stack's tags), "stack-tag-other-keys" ("stack-tag", and the
    request changes neither the `project` nor the `stack` tag), "via-aws-service" (only calls an
    AWS service makes for the role, aws:ViaAWSService). `policy` is the managed policy the
    statement goes to (each stays under IAM's 6,144-character limit for a managed policy).
    """

    sid: str
    policy: str
    resources: tuple[str, ...]
    reason: str = ""
    condition: str | None = None
    regions: str = "stack"  # "stack": the stack's region; "stack+global": and us-east-1


ANY = ("*",)
_DESCRIBE_REASON = (
    "Describe and List calls of these services have no resource type in the service "
    "authorization reference, so they accept only '*'; read-only, and kept to the stack's regions"
)

SCOPES: dict[str, Scope] = {
    scope.sid: scope
    for scope in (
        Scope("ReadConfiguration", "network", ANY, _DESCRIBE_REASON, "region", "stack+global"),
        Scope(
            "Ec2CreateAndModify",
            "network",
            ANY,
            "EC2 create and modify calls act on several resource types at once (RunInstances: "
            "image, subnet, security group, interface, volume; CreateRoute: route table and "
            "gateway) with ids generated at creation, so no ARN pattern can name them in "
            "advance; kept to the stack's region",
            "region",
        ),
        Scope(
            "Ec2InstancesOfThisStack",
            "tagging",
            (
                "arn:aws:ec2:{region}:{account}:instance/*",
                # ModifyInstanceAttribute may also act on the instance's groups and volumes
                "arn:aws:ec2:{region}:{account}:security-group/*",
                "arn:aws:ec2:{region}:{account}:volume/*",
            ),
            condition="stack-tag",
        ),
        Scope(
            "Ec2TagOnCreate",
            "tagging",
            ANY,
            "ec2:CreateTags has the resource types of everything EC2 tags, with ids made at "
            "creation; ec2:CreateAction limits it to tagging inside the create calls the program "
            "makes, and only with this stack's project and stack tags",
            "ec2-create-action",
        ),
        Scope(
            "Ec2RetagThisStack",
            "tagging",
            ANY,
            "tag changes on resources that already carry this stack's project and stack tags, "
            "never to those two tags themselves",
            "stack-tag-other-keys",
        ),
        Scope(
            "Ec2DeleteOnlyThisStack",
            "network",
            ANY,
            "EC2 ARNs hold generated ids; the provider's default tags (project, stack) on every "
            "resource pick out this stack's, so the role cannot delete another stack's network",
            "stack-tag",
        ),
        Scope(
            "LogGroups",
            "compute",
            (
                "arn:aws:logs:{region}:{account}:log-group:{logs}/*",
                "arn:aws:logs:{region}:{account}:log-group:/aws/rds/cluster/{prefix}-*",
            ),
        ),
        Scope(
            "EcrToken",
            "compute",
            ANY,
            "ecr:GetAuthorizationToken has no resource type: the token is per registry (account)",
            "region",
        ),
        Scope("Repositories", "compute", ("arn:aws:ecr:{region}:{account}:repository/{prefix}/*",)),
        Scope(
            "EcsClusterAndServices",
            "compute",
            (
                "arn:aws:ecs:{region}:{account}:cluster/{prefix}-*",
                "arn:aws:ecs:{region}:{account}:service/{prefix}-*/*",
                "arn:aws:ecs:{region}:{account}:task-definition/{prefix}-*:*",
                "arn:aws:ecs:{region}:{account}:task/{prefix}-*/*",
            ),
        ),
        Scope(
            "EcsTaskDefinitions",
            "compute",
            ANY,
            "ecs:RegisterTaskDefinition and DeregisterTaskDefinition have no resource type; "
            "the roles a task definition names are limited by iam:PassRole",
            "region",
        ),
        Scope(
            "LoadBalancing",
            "compute",
            (
                "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{prefix}-*/*",
                "arn:aws:elasticloadbalancing:{region}:{account}:listener/app/{prefix}-*/*",
                "arn:aws:elasticloadbalancing:{region}:{account}:listener-rule/app/{prefix}-*/*",
                # target groups are auto-named from their logical names (no stack prefix)
                "arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/*",
            ),
        ),
        Scope(
            "Autoscaling",
            "compute",
            ANY,
            "Application Auto Scaling's register, policy and scheduled-action calls have no "
            "resource type; kept to the stack's region",
            "region",
        ),
        Scope(
            "Alarms",
            "compute",
            (
                # the monitoring alarms are `<prefix>-...`, but the NAT instance's reboot alarm
                # is auto-named from its logical name and target tracking names its own
                # (`TargetTracking-service/<cluster>/...`): alarms of the account and region
                "arn:aws:cloudwatch:{region}:{account}:alarm:*",
                "arn:aws:cloudwatch::{account}:dashboard/{prefix}*",
            ),
        ),
        Scope(
            "Database",
            "data",
            (
                "arn:aws:rds:{region}:{account}:cluster:{prefix}-*",
                "arn:aws:rds:{region}:{account}:db:{prefix}-*",
                "arn:aws:rds:{region}:{account}:subgrp:{prefix}-*",
                "arn:aws:rds:{region}:{account}:cluster-snapshot:{prefix}-*",
                # the default parameter and option groups a new cluster refers to
                "arn:aws:rds:{region}:{account}:cluster-pg:*",
                "arn:aws:rds:{region}:{account}:pg:*",
                "arn:aws:rds:{region}:{account}:og:*",
            ),
        ),
        Scope(
            "Cache",
            "data",
            (
                "arn:aws:elasticache:{region}:{account}:replicationgroup:{prefix}-*",
                "arn:aws:elasticache:{region}:{account}:cluster:{prefix}-*",
                "arn:aws:elasticache:{region}:{account}:subnetgroup:{prefix}-*",
                "arn:aws:elasticache:{region}:{account}:snapshot:{prefix}-*",
                "arn:aws:elasticache:{region}:{account}:parametergroup:*",
                "arn:aws:elasticache:{region}:{account}:user:*",
                "arn:aws:elasticache:{region}:{account}:usergroup:*",
            ),
        ),
        # The program's secrets are auto-named from their logical names (cache.py, app_storage.py):
        # the stack's project and stack tags (provider default tags) pick them out.
        Scope(
            "CreateStackSecrets",
            "data",
            ("arn:aws:secretsmanager:{region}:{account}:secret:*",),
            condition="request-stack-tag",
        ),
        Scope(
            "StackSecrets",
            "data",
            ("arn:aws:secretsmanager:{region}:{account}:secret:*",),
            condition="stack-tag",
        ),
        # RDS names the database's secret `rds!cluster-<id>` and creates, tags, rotates and deletes
        # it itself with the caller's rights (a forward access session, aws:ViaAWSService): only
        # such calls, never the role's own, reach `rds!` secrets.
        Scope(
            "DatabaseSecretViaRds",
            "data",
            ("arn:aws:secretsmanager:{region}:{account}:secret:rds!cluster-*",),
            condition="via-aws-service",
        ),
        Scope(
            "KmsCreateKey",
            "data",
            ANY,
            "kms:CreateKey has no resource type (the key does not exist yet), nor has the "
            "tagging it does on creation; allowed only for a request that tags the key with "
            "this stack's project and stack tags, in the stack's region",
            "request-stack-tag",
        ),
        Scope(
            "KmsKeysOfThisStack",
            "data",
            ("arn:aws:kms:{region}:{account}:key/*",),
            condition="stack-tag",
        ),
        Scope(
            "KmsAliases",
            "data",
            (
                "arn:aws:kms:{region}:{account}:alias/{prefix}-*",
                # CreateAlias and DeleteAlias are also authorized on the key they point at
                "arn:aws:kms:{region}:{account}:key/*",
            ),
        ),
        Scope(
            "KmsForRdsAndSecretsManager",
            "data",
            ANY,
            "RDS encrypts the cluster and Secrets Manager the managed master secret with AWS "
            "managed keys whose ids are not known in advance; kms:ViaService allows these "
            "calls only when RDS or Secrets Manager makes them for us",
            "via-data-services",
        ),
        Scope(
            "Buckets",
            "data",
            ("arn:aws:s3:::{prefix}-*",),
        ),
        Scope(
            "BucketObjects",
            "data",
            # force_destroy empties a non-kept bucket before deleting it
            ("arn:aws:s3:::{prefix}-*/*",),
        ),
        Scope(
            "StaticAssets",
            "data",
            # CI uploads the web's build assets to the static bucket (app/web/scripts)
            ("arn:aws:s3:::{prefix}-static-*/*",),
        ),
        Scope(
            "AlarmTopic",
            "data",
            # the topic is auto-named from its logical name
            ("arn:aws:sns:{region}:{account}:*",),
        ),
        Scope(
            "SnsSubscriptions",
            "data",
            ANY,
            "sns:GetSubscriptionAttributes, SetSubscriptionAttributes and Unsubscribe have no "
            "resource type (a subscription is not an ARN IAM matches); kept to the stack's region",
            "region",
        ),
        # Parameter Store: the app secret with `appSecretStore: parameterStore` is named
        # `/<project>/<stack>/app-secret-key`, so the path alone picks out this stack's.
        Scope(
            "StackParameters",
            "data",
            ("arn:aws:ssm:{region}:{account}:parameter{logs}/*",),
        ),
        # The deployed image tag: `pulumi up` reads the path that holds only it
        # (GetParametersByPath is authorized on the path, not on what it returns), CI writes
        # the parameter itself (components/compute/deployed_tag.py).
        Scope(
            "ImageTagPath",
            "data",
            ("arn:aws:ssm:{region}:{account}:parameter{logs}/release",),
        ),
        Scope(
            "ImageTagParameter",
            "data",
            ("arn:aws:ssm:{region}:{account}:parameter{logs}/release/image-tag",),
        ),
        # The user pool's ARN holds an id Cognito generates: CreateUserPool (no resource type)
        # only when it tags the pool with this stack's tags, everything after only on such pools.
        # (In the tagging policy: the identity policy has no room left under the 6,144 limit.)
        Scope(
            "CreateUserPools",
            "tagging",
            ANY,
            "cognito-idp:CreateUserPool has no resource type (the pool does not exist yet); "
            "allowed only for a request that tags the pool with this stack's project and stack "
            "tags, in the stack's region",
            "request-stack-tag",
        ),
        Scope(
            "UserPoolsOfThisStack",
            "tagging",
            ("arn:aws:cognito-idp:{region}:{account}:userpool/*",),
            condition="stack-tag",
        ),
        Scope(
            "CallerIdentity",
            "identity",
            ANY,
            "sts:GetCallerIdentity has no resource type (the release steps check the account)",
        ),
        Scope(
            "PublicParameters",
            "network",
            # the NAT instance's AMI comes from AWS's public parameter
            ("arn:aws:ssm:{region}::parameter/aws/service/*",),
        ),
        Scope(
            "CloudFrontCreateTagged",
            "edge",
            ANY,
            "cloudfront:CreateDistribution and CreateVpcOrigin have no resource type (the "
            "resource does not exist yet); both carry the tags of the new resource, which must "
            "be this stack's",
            "request-stack-tag",
            "stack+global",
        ),
        Scope(
            "CloudFrontCreate",
            "edge",
            ANY,
            "cloudfront:CreateOriginAccessControl and CreateResponseHeadersPolicy have no "
            "resource type and take no tags; kept to us-east-1 (CloudFront's API)",
            "region",
            "stack+global",
        ),
        Scope(
            "CloudFront",
            "edge",
            (
                "arn:aws:cloudfront::{account}:distribution/*",
                "arn:aws:cloudfront::{account}:origin-access-control/*",
                "arn:aws:cloudfront::{account}:response-headers-policy/*",
                "arn:aws:cloudfront::{account}:vpcorigin/*",
                "arn:aws:cloudfront::{account}:cache-policy/*",
                "arn:aws:cloudfront::{account}:origin-request-policy/*",
            ),
        ),
        Scope(
            "WafForCloudFront",
            "edge",
            (
                "arn:aws:wafv2:us-east-1:{account}:global/*",
                # AWS's managed rule groups the web ACL refers to
                "arn:aws:wafv2:us-east-1:*:global/managedruleset/*/*",
            ),
        ),
        Scope(
            "CertificatesRequest",
            "edge",
            ANY,
            "acm:RequestCertificate has no resource type (the certificate does not exist yet); "
            "kept to the stack's region and us-east-1 (CloudFront's certificate)",
            "region",
            "stack+global",
        ),
        Scope(
            "Certificates",
            "edge",
            ("arn:aws:acm:{region}:{account}:certificate/*",),
            regions="stack+global",
        ),
        Scope(
            "HostedZoneReads",
            "edge",
            ("arn:aws:route53:::hostedzone/*", "arn:aws:route53:::change/*"),
        ),
        Scope(
            "SiteRecords",
            "edge",
            ("arn:aws:route53:::hostedzone/*",),
            condition="record-names",
        ),
        # -- lab ingress (HTTP API, VPC link, Cloud Map) and the NAT schedule ----------------
        Scope(
            "HttpApis",
            "edge",
            # API Gateway's ARNs carry no account; ids are generated, sub-resources sit under
            # their API (`/apis/<id>/routes/<id>`)
            (
                "arn:aws:apigateway:{region}::/apis",
                "arn:aws:apigateway:{region}::/apis/*",
                "arn:aws:apigateway:{region}::/vpclinks",
                "arn:aws:apigateway:{region}::/vpclinks/*",
                "arn:aws:apigateway:{region}::/tags/*",
            ),
        ),
        Scope(
            "ApiAccessLogDelivery",
            "edge",
            ANY,
            "API Gateway sets up a stage's access logs through CloudWatch Logs' log delivery "
            "calls, which have no resource type; kept to the stack's region",
            "region",
        ),
        Scope(
            "AuthorizerFunction",
            "edge",
            ("arn:aws:lambda:{region}:{account}:function:{prefix}-*",),
        ),
        Scope(
            "CloudMapCreate",
            "network",
            ANY,
            "servicediscovery:CreatePrivateDnsNamespace and GetOperation have no resource type "
            "(the namespace does not exist yet; operations are ids), nor has "
            "route53:CreateHostedZone, which Cloud Map calls as the caller for the namespace's "
            "private zone; kept to the stack's region and us-east-1 (Route 53)",
            "region",
            "stack+global",
        ),
        Scope(
            "CloudMapTags",
            "tagging",
            ANY,
            "servicediscovery:TagResource, UntagResource and ListTagsForResource have no "
            "resource type; kept to the stack's region",
            "region",
        ),
        Scope(
            "CloudMap",
            "network",
            (
                "arn:aws:servicediscovery:{region}:{account}:namespace/*",
                "arn:aws:servicediscovery:{region}:{account}:service/*",
                # the namespace's private hosted zone, deleted with it
                "arn:aws:route53:::hostedzone/*",
            ),
        ),
        Scope(
            "NatSchedules",
            "network",
            ("arn:aws:scheduler:{region}:{account}:schedule/default/{prefix}-*",),
        ),
    )
}


@dataclass(frozen=True)
class Grant:
    """Actions of one resource type that share a scope."""

    scope: str
    actions: tuple[str, ...]


def _g(scope: str, actions: str) -> Grant:
    """`_g("Buckets", "s3:CreateBucket s3:DeleteBucket")`: actions as one space-separated string."""
    return Grant(scope, tuple(actions.split()))


_READ = "ReadConfiguration"
_EC2 = "Ec2CreateAndModify"
_EC2_DELETE = "Ec2DeleteOnlyThisStack"
_EC2_TAGS = (
    _g("Ec2TagOnCreate", "ec2:CreateTags"),
    _g("Ec2RetagThisStack", "ec2:CreateTags ec2:DeleteTags"),
    _g(_READ, "ec2:DescribeTags"),
)
# The create calls that tag what they make (ec2:CreateAction, Ec2TagOnCreate).
EC2_CREATE_ACTIONS = (
    "AllocateAddress",
    "AuthorizeSecurityGroupEgress",
    "AuthorizeSecurityGroupIngress",
    "CreateFlowLogs",
    "CreateInternetGateway",
    "CreateNatGateway",
    "CreateRouteTable",
    "CreateSecurityGroup",
    "CreateSubnet",
    "CreateVpc",
    "CreateVpcEndpoint",
    "RunInstances",
)
_S3_BUCKET_SETTING = _g("Buckets", "s3:GetBucket* s3:PutBucket* s3:DeleteBucket*")
_ALARM = _g(
    "Alarms",
    "cloudwatch:PutMetricAlarm cloudwatch:DeleteAlarms cloudwatch:TagResource "
    "cloudwatch:UntagResource cloudwatch:ListTagsForResource",
)

# Pulumi type -> what the provider calls for it. `()` for types that call no AWS API.
TYPE_GRANTS: dict[str, tuple[Grant, ...]] = {
    "pulumi:providers:aws": (),
    "random:index/randomPassword:RandomPassword": (),
    "random:index/randomId:RandomId": (),
    # -- network -------------------------------------------------------------------------------
    "aws:ec2/vpc:Vpc": (
        _g(_READ, "ec2:DescribeVpcs ec2:DescribeVpcAttribute"),
        _g(_EC2, "ec2:CreateVpc ec2:ModifyVpcAttribute"),
        _g(_EC2_DELETE, "ec2:DeleteVpc"),
        *_EC2_TAGS,
    ),
    "aws:ec2/subnet:Subnet": (
        _g(_READ, "ec2:DescribeSubnets"),
        _g(_EC2, "ec2:CreateSubnet ec2:ModifySubnetAttribute"),
        _g(_EC2_DELETE, "ec2:DeleteSubnet"),
        *_EC2_TAGS,
    ),
    "aws:ec2/internetGateway:InternetGateway": (
        _g(_READ, "ec2:DescribeInternetGateways"),
        _g(
            _EC2,
            "ec2:CreateInternetGateway ec2:AttachInternetGateway ec2:DetachInternetGateway",
        ),
        _g(_EC2_DELETE, "ec2:DeleteInternetGateway"),
        *_EC2_TAGS,
    ),
    "aws:ec2/routeTable:RouteTable": (
        _g(_READ, "ec2:DescribeRouteTables"),
        _g(_EC2, "ec2:CreateRouteTable"),
        _g(_EC2_DELETE, "ec2:DeleteRouteTable"),
        *_EC2_TAGS,
    ),
    "aws:ec2/route:Route": (
        _g(_READ, "ec2:DescribeRouteTables"),
        _g(_EC2, "ec2:CreateRoute ec2:ReplaceRoute ec2:DeleteRoute"),
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (
        _g(_READ, "ec2:DescribeRouteTables"),
        _g(
            _EC2,
            "ec2:AssociateRouteTable ec2:DisassociateRouteTable ec2:ReplaceRouteTableAssociation",
        ),
    ),
    "aws:ec2/eip:Eip": (
        _g(_READ, "ec2:DescribeAddresses ec2:DescribeAddressesAttribute"),
        _g(_EC2, "ec2:AllocateAddress ec2:AssociateAddress ec2:DisassociateAddress"),
        _g(_EC2_DELETE, "ec2:ReleaseAddress"),
        *_EC2_TAGS,
    ),
    "aws:ec2/natGateway:NatGateway": (
        _g(_READ, "ec2:DescribeNatGateways"),
        _g(_EC2, "ec2:CreateNatGateway"),
        _g(_EC2_DELETE, "ec2:DeleteNatGateway"),
        *_EC2_TAGS,
    ),
    "aws:ec2/instance:Instance": (
        _g(
            _READ,
            "ec2:DescribeInstances ec2:DescribeInstanceAttribute "
            "ec2:DescribeInstanceTypes ec2:DescribeImages ec2:DescribeVolumes "
            "ec2:DescribeInstanceCreditSpecifications ec2:DescribeNetworkInterfaces",
        ),
        _g(_EC2, "ec2:RunInstances ec2:ModifyNetworkInterfaceAttribute"),
        _g(_READ, "ec2:DescribeIamInstanceProfileAssociations"),
        # never another instance: rewriting its user data or profile runs code as it
        _g(
            "Ec2InstancesOfThisStack",
            "ec2:ModifyInstanceAttribute ec2:ModifyInstanceMetadataOptions "
            "ec2:StopInstances ec2:StartInstances ec2:MonitorInstances "
            "ec2:UnmonitorInstances ec2:AssociateIamInstanceProfile "
            "ec2:DisassociateIamInstanceProfile ec2:ReplaceIamInstanceProfileAssociation",
        ),
        _g(_EC2_DELETE, "ec2:TerminateInstances"),
        *_EC2_TAGS,
    ),
    "aws:ec2/securityGroup:SecurityGroup": (
        _g(
            _READ,
            "ec2:DescribeSecurityGroups ec2:DescribeSecurityGroupRules "
            "ec2:DescribeNetworkInterfaces",
        ),
        _g(
            _EC2,
            "ec2:CreateSecurityGroup ec2:RevokeSecurityGroupEgress "
            "ec2:AuthorizeSecurityGroupEgress",
        ),
        _g(_EC2_DELETE, "ec2:DeleteSecurityGroup"),
        *_EC2_TAGS,
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (
        _g(_READ, "ec2:DescribeSecurityGroups ec2:DescribeSecurityGroupRules"),
        _g(
            _EC2,
            "ec2:RevokeSecurityGroupIngress ec2:RevokeSecurityGroupEgress "
            "ec2:AuthorizeSecurityGroupIngress ec2:AuthorizeSecurityGroupEgress",
        ),
        *_EC2_TAGS,
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        _g(_READ, "ec2:DescribeSecurityGroupRules"),
        _g(
            _EC2,
            "ec2:AuthorizeSecurityGroupIngress ec2:RevokeSecurityGroupIngress "
            "ec2:ModifySecurityGroupRules",
        ),
        *_EC2_TAGS,
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (
        _g(_READ, "ec2:DescribeSecurityGroupRules"),
        _g(
            _EC2,
            "ec2:AuthorizeSecurityGroupEgress ec2:RevokeSecurityGroupEgress "
            "ec2:ModifySecurityGroupRules",
        ),
        *_EC2_TAGS,
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": (
        _g(
            _READ,
            "ec2:DescribeVpcEndpoints ec2:DescribePrefixLists ec2:DescribeVpcEndpointServices",
        ),
        _g(_EC2, "ec2:CreateVpcEndpoint ec2:ModifyVpcEndpoint"),
        _g(_EC2_DELETE, "ec2:DeleteVpcEndpoints"),
        *_EC2_TAGS,
    ),
    "aws:ec2/flowLog:FlowLog": (
        _g(_READ, "ec2:DescribeFlowLogs"),
        _g(_EC2, "ec2:CreateFlowLogs"),
        _g(_EC2_DELETE, "ec2:DeleteFlowLogs"),
        *_EC2_TAGS,
    ),
    "aws:cloudwatch/logGroup:LogGroup": (
        _g(_READ, "logs:DescribeLogGroups"),
        _g(
            "LogGroups",
            "logs:CreateLogGroup logs:DeleteLogGroup logs:PutRetentionPolicy "
            "logs:DeleteRetentionPolicy logs:TagResource logs:UntagResource "
            "logs:ListTagsForResource logs:TagLogGroup logs:ListTagsLogGroup",
        ),
    ),
    # -- compute -------------------------------------------------------------------------------
    "aws:ecr/repository:Repository": (
        _g(_READ, "ecr:DescribeRepositories"),
        _g(
            "Repositories",
            "ecr:CreateRepository ecr:DeleteRepository "
            "ecr:PutImageScanningConfiguration ecr:PutImageTagMutability "
            "ecr:TagResource ecr:UntagResource ecr:ListTagsForResource",
        ),
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": (
        _g(
            "Repositories",
            "ecr:PutLifecyclePolicy ecr:GetLifecyclePolicy ecr:DeleteLifecyclePolicy",
        ),
    ),
    # `images: build`: awsx builds locally and pushes to the repository
    "awsx:ecr:Image": (
        _g("EcrToken", "ecr:GetAuthorizationToken"),
        _g(
            "Repositories",
            "ecr:BatchCheckLayerAvailability ecr:InitiateLayerUpload "
            "ecr:UploadLayerPart ecr:CompleteLayerUpload ecr:PutImage "
            "ecr:BatchGetImage ecr:GetDownloadUrlForLayer ecr:DescribeImages",
        ),
    ),
    "aws:ecs/cluster:Cluster": (
        _g(
            "EcsClusterAndServices",
            "ecs:CreateCluster ecs:DeleteCluster ecs:DescribeClusters "
            "ecs:UpdateCluster ecs:UpdateClusterSettings "
            "ecs:TagResource ecs:UntagResource ecs:ListTagsForResource",
        ),
    ),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": (
        _g("EcsClusterAndServices", "ecs:PutClusterCapacityProviders ecs:DescribeClusters"),
    ),
    "aws:ecs/taskDefinition:TaskDefinition": (
        _g(
            "EcsTaskDefinitions",
            "ecs:RegisterTaskDefinition ecs:DeregisterTaskDefinition ecs:DescribeTaskDefinition",
        ),
        _g("EcsClusterAndServices", "ecs:TagResource ecs:ListTagsForResource"),
    ),
    # The release steps of `pulumi up` (components/release_steps.py): boto3 calls with the
    # program's credentials; the same calls `stackctl migrate` and the static upload make.
    # Both first check the account (sts:GetCallerIdentity, components/kit/release_aws.py); the run
    # wakes a sleeping NAT instance (StartInstances on the stack's tagged instance) and passes
    # the task's roles (iam:PassRole to ecs-tasks, granted with the roles).
    "pulumi-python:dynamic/fullstack:MigrationRun": (
        # the account check, and waking this stack's sleeping NAT instance before the task runs
        _g("CallerIdentity", "sts:GetCallerIdentity"),
        _g(_READ, "ec2:DescribeInstances ec2:DescribeInstanceStatus"),
        _g("Ec2InstancesOfThisStack", "ec2:StartInstances"),
        # launch type FARGATE or capacity provider FARGATE: the same action and resource
        _g("EcsClusterAndServices", "ecs:RunTask ecs:DescribeTasks"),
        _g("EcsTaskDefinitions", "ecs:DescribeTaskDefinition"),
        _g("LogGroups", "logs:GetLogEvents"),
    ),
    # The check that the app's own secrets are set (components/kit/app_secrets.py): names and
    # types only (DescribeParameters has no resource type: '*'); it never reads a value.
    "pulumi-python:dynamic/fullstack:AppSecretsCheck": (
        _g("CallerIdentity", "sts:GetCallerIdentity"),
        _g(_READ, "ssm:DescribeParameters"),
    ),
    "pulumi-python:dynamic/fullstack:StaticFiles": (
        _g("CallerIdentity", "sts:GetCallerIdentity"),
        _g("EcrToken", "ecr:GetAuthorizationToken"),
        _g("Repositories", "ecr:BatchGetImage ecr:GetDownloadUrlForLayer"),
        _g("StaticAssets", "s3:PutObject"),
    ),
    "aws:ecs/service:Service": (
        _g(
            "EcsClusterAndServices",
            "ecs:CreateService ecs:UpdateService ecs:DeleteService "
            "ecs:DescribeServices ecs:TagResource ecs:UntagResource "
            "ecs:ListTagsForResource",
        ),
    ),
    "aws:lb/loadBalancer:LoadBalancer": (
        _g(
            _READ,
            "elasticloadbalancing:DescribeLoadBalancers "
            "elasticloadbalancing:DescribeLoadBalancerAttributes "
            "elasticloadbalancing:DescribeTags "
            "elasticloadbalancing:DescribeCapacityReservation "
            "elasticloadbalancing:DescribeListenerAttributes",
        ),
        _g(
            "LoadBalancing",
            "elasticloadbalancing:CreateLoadBalancer "
            "elasticloadbalancing:DeleteLoadBalancer "
            "elasticloadbalancing:ModifyLoadBalancerAttributes "
            "elasticloadbalancing:SetSecurityGroups "
            "elasticloadbalancing:SetSubnets "
            "elasticloadbalancing:SetIpAddressType "
            "elasticloadbalancing:AddTags elasticloadbalancing:RemoveTags",
        ),
    ),
    "aws:lb/targetGroup:TargetGroup": (
        _g(
            _READ,
            "elasticloadbalancing:DescribeTargetGroups "
            "elasticloadbalancing:DescribeTargetGroupAttributes "
            "elasticloadbalancing:DescribeTargetHealth elasticloadbalancing:DescribeTags",
        ),
        _g(
            "LoadBalancing",
            "elasticloadbalancing:CreateTargetGroup "
            "elasticloadbalancing:DeleteTargetGroup "
            "elasticloadbalancing:ModifyTargetGroup "
            "elasticloadbalancing:ModifyTargetGroupAttributes "
            "elasticloadbalancing:AddTags elasticloadbalancing:RemoveTags",
        ),
    ),
    "aws:lb/listener:Listener": (
        _g(
            _READ,
            "elasticloadbalancing:DescribeListeners "
            "elasticloadbalancing:DescribeListenerAttributes "
            "elasticloadbalancing:DescribeTags "
            "elasticloadbalancing:DescribeListenerCertificates",
        ),
        _g(
            "LoadBalancing",
            "elasticloadbalancing:CreateListener "
            "elasticloadbalancing:ModifyListener "
            "elasticloadbalancing:DeleteListener "
            "elasticloadbalancing:ModifyListenerAttributes "
            "elasticloadbalancing:AddTags elasticloadbalancing:RemoveTags",
        ),
        _g("Certificates", "acm:DescribeCertificate"),
    ),
    "aws:lb/listenerRule:ListenerRule": (
        _g(_READ, "elasticloadbalancing:DescribeRules elasticloadbalancing:DescribeTags"),
        _g(
            "LoadBalancing",
            "elasticloadbalancing:CreateRule elasticloadbalancing:ModifyRule "
            "elasticloadbalancing:DeleteRule "
            "elasticloadbalancing:SetRulePriorities "
            "elasticloadbalancing:AddTags elasticloadbalancing:RemoveTags",
        ),
    ),
    "aws:appautoscaling/target:Target": (
        _g(
            "Autoscaling",
            "application-autoscaling:RegisterScalableTarget "
            "application-autoscaling:DeregisterScalableTarget "
            "application-autoscaling:DescribeScalableTargets "
            "application-autoscaling:TagResource "
            "application-autoscaling:UntagResource "
            "application-autoscaling:ListTagsForResource",
        ),
        # registering an ECS service as a scalable target reads and updates the service
        _g("EcsClusterAndServices", "ecs:DescribeServices ecs:UpdateService"),
    ),
    "aws:appautoscaling/policy:Policy": (
        _g(
            "Autoscaling",
            "application-autoscaling:PutScalingPolicy "
            "application-autoscaling:DeleteScalingPolicy "
            "application-autoscaling:DescribeScalingPolicies",
        ),
        _ALARM,
    ),
    "aws:appautoscaling/scheduledAction:ScheduledAction": (
        _g(
            "Autoscaling",
            "application-autoscaling:PutScheduledAction "
            "application-autoscaling:DeleteScheduledAction "
            "application-autoscaling:DescribeScheduledActions",
        ),
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        # an alarm with an EC2 action (the NAT instance's reboot) checks the instance
        _g(_READ, "cloudwatch:DescribeAlarms ec2:DescribeInstanceStatus ec2:DescribeInstances"),
        _ALARM,
    ),
    "aws:cloudwatch/dashboard:Dashboard": (
        _g(
            "Alarms",
            "cloudwatch:PutDashboard cloudwatch:GetDashboard cloudwatch:DeleteDashboards",
        ),
    ),
    # -- data ----------------------------------------------------------------------------------
    "aws:rds/subnetGroup:SubnetGroup": (
        _g(_READ, "rds:DescribeDBSubnetGroups"),
        _g(
            "Database",
            "rds:CreateDBSubnetGroup rds:ModifyDBSubnetGroup "
            "rds:DeleteDBSubnetGroup rds:AddTagsToResource "
            "rds:RemoveTagsFromResource rds:ListTagsForResource",
        ),
    ),
    "aws:rds/cluster:Cluster": (
        _g(
            _READ,
            "rds:DescribeDBClusters rds:DescribeGlobalClusters rds:DescribeDBClusterSnapshots "
            "rds:DescribeDBEngineVersions",
        ),
        _g(
            "Database",
            "rds:CreateDBCluster rds:ModifyDBCluster rds:DeleteDBCluster "
            "rds:CreateDBClusterSnapshot rds:AddTagsToResource "
            "rds:RemoveTagsFromResource rds:ListTagsForResource",
        ),
        # manage_master_user_password: RDS creates and tags the secret as the caller
        _g(
            "DatabaseSecretViaRds",
            "secretsmanager:CreateSecret secretsmanager:TagResource "
            "secretsmanager:RotateSecret secretsmanager:DescribeSecret",
        ),
        _g(
            "KmsForRdsAndSecretsManager",
            "kms:DescribeKey kms:CreateGrant kms:Decrypt kms:GenerateDataKey",
        ),
    ),
    "aws:rds/clusterInstance:ClusterInstance": (
        _g(_READ, "rds:DescribeDBInstances rds:DescribeOrderableDBInstanceOptions"),
        _g(
            "Database",
            "rds:CreateDBInstance rds:ModifyDBInstance rds:DeleteDBInstance "
            "rds:RebootDBInstance rds:AddTagsToResource rds:RemoveTagsFromResource "
            "rds:ListTagsForResource",
        ),
    ),
    "aws:elasticache/subnetGroup:SubnetGroup": (
        _g(_READ, "elasticache:DescribeCacheSubnetGroups"),
        _g(
            "Cache",
            "elasticache:CreateCacheSubnetGroup elasticache:ModifyCacheSubnetGroup "
            "elasticache:DeleteCacheSubnetGroup elasticache:AddTagsToResource "
            "elasticache:RemoveTagsFromResource elasticache:ListTagsForResource",
        ),
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        _g(
            _READ,
            "elasticache:DescribeReplicationGroups elasticache:DescribeCacheClusters "
            "elasticache:DescribeSnapshots",
        ),
        _g(
            "Cache",
            "elasticache:CreateReplicationGroup elasticache:ModifyReplicationGroup "
            "elasticache:DeleteReplicationGroup elasticache:CreateSnapshot "
            "elasticache:AddTagsToResource elasticache:RemoveTagsFromResource "
            "elasticache:ListTagsForResource",
        ),
    ),
    "aws:secretsmanager/secret:Secret": (
        _g("CreateStackSecrets", "secretsmanager:CreateSecret secretsmanager:TagResource"),
        _g(
            "StackSecrets",
            "secretsmanager:DeleteSecret "
            "secretsmanager:DescribeSecret secretsmanager:UpdateSecret "
            "secretsmanager:GetResourcePolicy secretsmanager:TagResource "
            "secretsmanager:UntagResource",
        ),
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": (
        # the provider reads the version back after writing it
        _g(
            "StackSecrets",
            "secretsmanager:PutSecretValue secretsmanager:GetSecretValue "
            "secretsmanager:UpdateSecretVersionStage "
            "secretsmanager:ListSecretVersionIds secretsmanager:DescribeSecret",
        ),
    ),
    "aws:ssm/parameter:Parameter": (
        # create and update are PutParameter (tags in the call), read is DescribeParameters
        # (no resource type: '*') and GetParameter with decryption, then ListTagsForResource
        _g(_READ, "ssm:DescribeParameters"),
        _g(
            "StackParameters",
            "ssm:PutParameter ssm:GetParameter ssm:GetParameters ssm:DeleteParameter "
            "ssm:AddTagsToResource ssm:RemoveTagsFromResource ssm:ListTagsForResource",
        ),
    ),
    "aws:kms/key:Key": (
        # the provider tags the key in the CreateKey call itself
        _g("KmsCreateKey", "kms:CreateKey kms:TagResource"),
        _g(
            "KmsKeysOfThisStack",
            "kms:DescribeKey kms:GetKeyPolicy kms:PutKeyPolicy "
            "kms:GetKeyRotationStatus kms:EnableKeyRotation "
            "kms:DisableKeyRotation kms:UpdateKeyDescription "
            "kms:ListResourceTags kms:TagResource kms:UntagResource "
            "kms:ScheduleKeyDeletion kms:EnableKey kms:DisableKey",
        ),
    ),
    # -- sign-in (components/security/user_pool.py); the provider sets TOTP MFA with
    # SetUserPoolMfaConfig after CreateUserPool, which takes only SMS MFA (botocore's model)
    "aws:cognito/userPool:UserPool": (
        _g("CreateUserPools", "cognito-idp:CreateUserPool"),
        _g(
            "UserPoolsOfThisStack",
            "cognito-idp:DescribeUserPool cognito-idp:UpdateUserPool cognito-idp:DeleteUserPool "
            "cognito-idp:SetUserPoolMfaConfig cognito-idp:GetUserPoolMfaConfig "
            "cognito-idp:TagResource cognito-idp:UntagResource cognito-idp:ListTagsForResource",
        ),
    ),
    "aws:cognito/userPoolClient:UserPoolClient": (
        _g(
            "UserPoolsOfThisStack",
            "cognito-idp:CreateUserPoolClient cognito-idp:DescribeUserPoolClient "
            "cognito-idp:UpdateUserPoolClient cognito-idp:DeleteUserPoolClient",
        ),
    ),
    "aws:kms/alias:Alias": (
        _g(_READ, "kms:ListAliases"),
        _g("KmsAliases", "kms:CreateAlias kms:DeleteAlias kms:UpdateAlias"),
    ),
    "aws:s3/bucket:Bucket": (
        _g(
            "Buckets",
            "s3:CreateBucket s3:DeleteBucket s3:ListBucket s3:ListBucketVersions "
            "s3:GetAccelerateConfiguration s3:GetLifecycleConfiguration "
            "s3:GetReplicationConfiguration s3:GetEncryptionConfiguration "
            "s3:GetIntelligentTieringConfiguration",
        ),
        _S3_BUCKET_SETTING,
        # force_destroy empties a bucket that is not kept
        _g("BucketObjects", "s3:DeleteObject s3:DeleteObjectVersion"),
    ),
    "aws:s3/bucketPolicy:BucketPolicy": (_S3_BUCKET_SETTING,),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (_S3_BUCKET_SETTING,),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (_S3_BUCKET_SETTING,),
    "aws:s3/bucketVersioning:BucketVersioning": (_S3_BUCKET_SETTING,),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _g("Buckets", "s3:PutEncryptionConfiguration s3:GetEncryptionConfiguration"),
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (
        _g("Buckets", "s3:PutLifecycleConfiguration s3:GetLifecycleConfiguration"),
    ),
    "aws:sns/topic:Topic": (
        _g(
            "AlarmTopic",
            "sns:CreateTopic sns:DeleteTopic sns:GetTopicAttributes "
            "sns:SetTopicAttributes sns:TagResource sns:UntagResource "
            "sns:ListTagsForResource",
        ),
    ),
    "aws:sns/topicSubscription:TopicSubscription": (
        _g(
            "AlarmTopic",
            "sns:Subscribe sns:ListSubscriptionsByTopic",
        ),
        _g(
            "SnsSubscriptions",
            "sns:Unsubscribe sns:GetSubscriptionAttributes sns:SetSubscriptionAttributes",
        ),
    ),
    # -- edge ----------------------------------------------------------------------------------
    "aws:cloudfront/distribution:Distribution": (
        # The provider calls the CreateDistributionWithTags API; IAM has no action of that name
        # (cfn-lint's IAM data, through preflight): CreateDistribution plus TagResource allow it.
        _g("CloudFrontCreateTagged", "cloudfront:CreateDistribution cloudfront:TagResource"),
        _g(
            "CloudFront",
            "cloudfront:GetDistribution cloudfront:GetDistributionConfig "
            "cloudfront:UpdateDistribution cloudfront:DeleteDistribution "
            "cloudfront:TagResource cloudfront:UntagResource "
            "cloudfront:ListTagsForResource cloudfront:GetCachePolicy "
            "cloudfront:GetOriginRequestPolicy",
        ),
        # attaching the web ACL to the distribution
        _g("WafForCloudFront", "wafv2:GetWebACL"),
        _g("Certificates", "acm:DescribeCertificate"),
    ),
    "aws:cloudfront/originAccessControl:OriginAccessControl": (
        _g(
            "CloudFrontCreate",
            "cloudfront:CreateOriginAccessControl",
        ),
        _g(
            "CloudFront",
            "cloudfront:GetOriginAccessControl "
            "cloudfront:UpdateOriginAccessControl "
            "cloudfront:DeleteOriginAccessControl",
        ),
    ),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": (
        _g(
            "CloudFrontCreate",
            "cloudfront:CreateResponseHeadersPolicy",
        ),
        _g(
            "CloudFront",
            "cloudfront:GetResponseHeadersPolicy "
            "cloudfront:UpdateResponseHeadersPolicy "
            "cloudfront:DeleteResponseHeadersPolicy",
        ),
    ),
    # a VPC origin also reads the ALB, subnets and groups (ReadConfiguration) and needs the
    # service-linked role (ci_identity.SERVICE_LINKED_ROLES)
    "aws:cloudfront/vpcOrigin:VpcOrigin": (
        # CloudFront checks that the caller can see the origin it points at
        _g(
            _READ,
            "ec2:DescribeInstances ec2:DescribeInternetGateways ec2:DescribeSecurityGroups "
            "ec2:DescribeRegions ec2:DescribeSubnets ec2:DescribeVpcs "
            "elasticloadbalancing:DescribeLoadBalancers elasticloadbalancing:DescribeListeners "
            "elasticloadbalancing:DescribeTargetGroups",
        ),
        _g(
            "CloudFrontCreateTagged",
            "cloudfront:CreateVpcOrigin cloudfront:TagResource",
        ),
        _g(
            "CloudFront",
            "cloudfront:GetVpcOrigin "
            "cloudfront:UpdateVpcOrigin cloudfront:DeleteVpcOrigin "
            "cloudfront:TagResource cloudfront:ListTagsForResource",
        ),
    ),
    "aws:wafv2/webAcl:WebAcl": (
        _g(
            "WafForCloudFront",
            "wafv2:CreateWebACL wafv2:GetWebACL wafv2:UpdateWebACL "
            "wafv2:DeleteWebACL wafv2:TagResource wafv2:UntagResource "
            "wafv2:ListTagsForResource",
        ),
    ),
    "aws:acm/certificate:Certificate": (
        _g("CertificatesRequest", "acm:RequestCertificate"),
        _g(
            "Certificates",
            "acm:DescribeCertificate acm:DeleteCertificate "
            "acm:AddTagsToCertificate acm:RemoveTagsFromCertificate "
            "acm:ListTagsForCertificate",
        ),
    ),
    "aws:acm/certificateValidation:CertificateValidation": (
        _g("Certificates", "acm:DescribeCertificate"),
    ),
    "aws:route53/record:Record": (
        _g(
            "HostedZoneReads",
            "route53:GetHostedZone route53:ListResourceRecordSets route53:GetChange",
        ),
        _g("SiteRecords", "route53:ChangeResourceRecordSets"),
    ),
    # -- lab ingress: HTTP API, VPC link, Cloud Map, the origin check's function ------------
    # API Gateway's IAM actions are the HTTP verbs of its management API.
    "aws:apigatewayv2/api:Api": (
        _g(
            "HttpApis",
            "apigateway:POST apigateway:GET apigateway:PATCH apigateway:DELETE apigateway:PUT",
        ),
    ),
    # the VPC link's interfaces are made by API Gateway's service-linked role
    # (ci_identity.SERVICE_LINKED_ROLES needs ops.apigateway.amazonaws.com); the caller must
    # see the subnets and groups
    "aws:apigatewayv2/vpcLink:VpcLink": (
        _g(_READ, "ec2:DescribeSubnets ec2:DescribeSecurityGroups ec2:DescribeVpcs"),
        _g(
            "HttpApis",
            "apigateway:POST apigateway:GET apigateway:PATCH apigateway:DELETE apigateway:PUT",
        ),
    ),
    "aws:apigatewayv2/integration:Integration": (
        _g("HttpApis", "apigateway:POST apigateway:GET apigateway:PATCH apigateway:DELETE"),
        _g("CloudMap", "servicediscovery:GetService"),
    ),
    "aws:apigatewayv2/route:Route": (
        _g("HttpApis", "apigateway:POST apigateway:GET apigateway:PATCH apigateway:DELETE"),
    ),
    "aws:apigatewayv2/authorizer:Authorizer": (
        _g("HttpApis", "apigateway:POST apigateway:GET apigateway:PATCH apigateway:DELETE"),
    ),
    "aws:apigatewayv2/stage:Stage": (
        _g("HttpApis", "apigateway:POST apigateway:GET apigateway:PATCH apigateway:DELETE"),
        _g(
            "ApiAccessLogDelivery",
            "logs:CreateLogDelivery logs:GetLogDelivery logs:UpdateLogDelivery "
            "logs:DeleteLogDelivery logs:ListLogDeliveries logs:PutResourcePolicy "
            "logs:DescribeResourcePolicies logs:DescribeLogGroups",
        ),
    ),
    "aws:lambda/function:Function": (
        _g(
            "AuthorizerFunction",
            "lambda:CreateFunction lambda:GetFunction lambda:GetFunctionConfiguration "
            "lambda:UpdateFunctionCode lambda:UpdateFunctionConfiguration "
            "lambda:DeleteFunction lambda:ListVersionsByFunction "
            "lambda:GetFunctionCodeSigningConfig lambda:GetRuntimeManagementConfig "
            "lambda:GetFunctionRecursionConfig lambda:TagResource lambda:UntagResource "
            "lambda:ListTags",
        ),
    ),
    "aws:lambda/permission:Permission": (
        _g("AuthorizerFunction", "lambda:AddPermission lambda:RemovePermission lambda:GetPolicy"),
    ),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": (
        _g(
            "CloudMapTags",
            "servicediscovery:TagResource servicediscovery:UntagResource "
            "servicediscovery:ListTagsForResource",
        ),
        _g(_READ, "ec2:DescribeVpcs ec2:DescribeVpcAttribute"),
        _g(
            "CloudMapCreate",
            "servicediscovery:CreatePrivateDnsNamespace servicediscovery:GetOperation "
            "route53:CreateHostedZone",
        ),
        _g(
            "CloudMap",
            "servicediscovery:GetNamespace servicediscovery:UpdatePrivateDnsNamespace "
            "servicediscovery:DeleteNamespace "
            "route53:GetHostedZone route53:DeleteHostedZone "
            "route53:AssociateVPCWithHostedZone",
        ),
    ),
    "aws:servicediscovery/service:Service": (
        _g(
            "CloudMapTags",
            "servicediscovery:TagResource servicediscovery:UntagResource "
            "servicediscovery:ListTagsForResource",
        ),
        _g("CloudMapCreate", "servicediscovery:GetOperation"),
        _g(
            "CloudMap",
            "servicediscovery:CreateService servicediscovery:GetService "
            "servicediscovery:UpdateService servicediscovery:DeleteService "
            "servicediscovery:ListInstances servicediscovery:DeregisterInstance",
        ),
    ),
    # -- the NAT schedule (the role it passes: ci_identity.PASSED_TO_SERVICES needs
    # scheduler.amazonaws.com) -----------------------------------------------------------------
    "aws:scheduler/schedule:Schedule": (
        _g(
            "NatSchedules",
            "scheduler:CreateSchedule scheduler:GetSchedule scheduler:UpdateSchedule "
            "scheduler:DeleteSchedule",
        ),
    ),
    # -- IAM: written out in ci_identity.py (boundary, path and pass-role conditions) ----------
    "aws:iam/role:Role": (),
    "aws:iam/rolePolicy:RolePolicy": (),
    "aws:iam/policy:Policy": (),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (),
    "aws:iam/instanceProfile:InstanceProfile": (),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (),
}

# Data sources (`aws.get_*`) the program calls -> what they call in AWS.
CALL_GRANTS: dict[str, tuple[Grant, ...]] = {
    # GetCallerIdentity needs no permission (STS answers it for any caller)
    "aws:index/getCallerIdentity:getCallerIdentity": (),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (
        _g(_READ, "ec2:DescribeAvailabilityZones"),
    ),
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": (
        _g(_READ, "ec2:DescribeManagedPrefixLists ec2:GetManagedPrefixListEntries"),
    ),
    "aws:ec2/getSecurityGroup:getSecurityGroup": (_g(_READ, "ec2:DescribeSecurityGroups"),),
    "aws:ec2/getAmi:getAmi": (_g(_READ, "ec2:DescribeImages"),),
    "aws:ssm/getParameter:getParameter": (
        _g("PublicParameters", "ssm:GetParameter ssm:GetParameters"),
    ),
    "aws:ssm/getParametersByPath:getParametersByPath": (
        _g("ImageTagPath", "ssm:GetParametersByPath"),
    ),
    "aws:route53/getZone:getZone": (
        _g(_READ, "route53:ListHostedZones route53:ListHostedZonesByName"),
        _g("HostedZoneReads", "route53:GetHostedZone route53:ListTagsForResource"),
    ),
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": (),
}

# What the workflows and operators do with the deploy role besides `pulumi up`
# (.github/actions/deploy-stack, .github/workflows/rollback.yml; by hand:
# app/web/scripts/upload-static.sh, stackctl's migrate, status, rollback and logs commands).
WORKFLOW_GRANTS: dict[str, tuple[Grant, ...]] = {
    "push images (docker push after `aws ecr get-login-password`)": TYPE_GRANTS["awsx:ecr:Image"],
    "upload static assets (aws s3 sync, no --delete)": (
        _g("Buckets", "s3:ListBucket"),
        _g("StaticAssets", "s3:PutObject s3:GetObject"),
    ),
    "write the deployed image tag (aws ssm put-parameter --overwrite; deploy, rollback)": (
        _g("ImageTagParameter", "ssm:PutParameter ssm:GetParameter"),
    ),
    "stackctl migrate, status, rollback, logs": (
        _g(
            "EcsClusterAndServices",
            "ecs:RunTask ecs:DescribeTasks ecs:DescribeServices ecs:UpdateService",
        ),
        _g(
            _READ,
            "ecs:ListTasks ecs:ListTaskDefinitions ecs:DescribeTaskDefinition "
            "cloudwatch:DescribeAlarms",
        ),
        _g("LogGroups", "logs:GetLogEvents logs:FilterLogEvents"),
    ),
}


def grants_by_scope() -> dict[str, list[str]]:
    """Every action of the table, grouped by scope (sorted, no duplicates)."""
    found: dict[str, set[str]] = {}
    for grants in (*TYPE_GRANTS.values(), *CALL_GRANTS.values(), *WORKFLOW_GRANTS.values()):
        for grant in grants:
            if grant.scope not in SCOPES:
                raise KeyError(f"grant names unknown scope {grant.scope!r}")
            found.setdefault(grant.scope, set()).update(grant.actions)
    return {scope: sorted(actions) for scope, actions in found.items()}
