"""Physical names: one helper that derives them from project and stack within AWS's limits.

Two kinds of names reach AWS:

- names we set (`Naming.physical`): `<project>-<stack>-<suffix>`, lowercased and reduced to the
  characters the service accepts. When that is longer than the limit, the prefix is shortened and
  a 6-character hash of the full name keeps it unique and stable across runs;
- names Pulumi generates from the logical name (auto-naming appends "-" and 7 random characters),
  so a logical name must leave 8 characters free under the limit: `Naming.check_logical`.

`NAME_LIMITS` lists the limits by Pulumi type and input property; tests walk every resource the
program declares and check each name against it (docs/aws-facts.md, section Names).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

AUTONAME_SUFFIX = 8  # "-" + 7 random characters
APP_SECRETS_PATH = "app-secrets"  # under the stack's parameter path: the app's own secrets

# Pulumi type -> (input property that holds the physical name, maximum length).
NAME_LIMITS: dict[str, tuple[str, int]] = {
    "aws:lb/loadBalancer:LoadBalancer": ("name", 32),
    "aws:lb/targetGroup:TargetGroup": ("name", 32),
    "aws:iam/role:Role": ("name", 64),
    "aws:iam/policy:Policy": ("name", 128),
    "aws:iam/instanceProfile:InstanceProfile": ("name", 128),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("replicationGroupId", 40),
    "aws:elasticache/subnetGroup:SubnetGroup": ("name", 255),
    "aws:elasticache/parameterGroup:ParameterGroup": ("name", 255),
    "aws:rds/cluster:Cluster": ("clusterIdentifier", 63),
    "aws:rds/clusterInstance:ClusterInstance": ("identifier", 63),
    "aws:rds/subnetGroup:SubnetGroup": ("name", 255),
    "aws:s3/bucket:Bucket": ("bucket", 63),
    "aws:ecs/cluster:Cluster": ("name", 255),
    "aws:ecs/service:Service": ("name", 255),
    "aws:ecr/repository:Repository": ("name", 256),
    "aws:cloudwatch/logGroup:LogGroup": ("name", 512),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("name", 255),
    "aws:cloudwatch/dashboard:Dashboard": ("dashboardName", 255),
    "aws:sns/topic:Topic": ("name", 256),
    "aws:secretsmanager/secret:Secret": ("name", 512),
    "aws:ec2/securityGroup:SecurityGroup": ("name", 255),
    "aws:ec2/launchTemplate:LaunchTemplate": ("name", 128),
    "aws:lambda/function:Function": ("name", 64),
    "aws:cloudfront/distribution:Distribution": ("comment", 128),
    "aws:wafv2/webAcl:WebAcl": ("name", 128),
}

# Character rules of the services whose names we set ourselves.
_LOWER_DASH = re.compile(r"[^a-z0-9-]+")
_KIND_LIMITS: dict[str, int] = {
    "alb": 32,
    "target-group": 32,
    "elasticache": 40,
    "iam-role": 64,
    "rds": 63,
    "s3": 63,
    "log-group": 512,
    "generic": 255,
}


@dataclass(frozen=True)
class Naming:
    """Derives physical names from the project and stack."""

    project: str
    stack: str

    @property
    def prefix(self) -> str:
        """`<project>-<stack>` in lowercase letters, digits and single hyphens."""
        return _clean(f"{self.project}-{self.stack}")

    def physical(self, kind: str, suffix: str) -> str:
        """A deterministic name for a resource of `kind` (a key of the kind limits).

        Lowercase letters, digits and single hyphens, starting with a letter and not ending in
        a hyphen: the intersection of the ALB, target group, ElastiCache, RDS and S3 rules.
        """
        limit = _KIND_LIMITS[kind]
        full = _clean(f"{self.prefix}-{suffix}")
        if not full[0].isalpha():
            full = f"x{full}"
        if len(full) <= limit:
            return full
        digest = hashlib.sha256(full.encode()).hexdigest()[:6]
        tail = _clean(suffix)
        keep = limit - len(tail) - len(digest) - 2
        if keep < 1:
            return f"{full[: limit - len(digest) - 1].rstrip('-')}-{digest}"
        head = full[:keep].rstrip("-")
        return f"{head}-{digest}-{tail}"

    @property
    def iam_path(self) -> str:
        """The IAM path of every role and policy of this stack, `/<project>/<stack>/`: the CI
        deploy role may manage only these (`arn:aws:iam::<account>:role/<project>/<stack>/*`),
        so no stack's deploy role reaches another stack's roles."""
        return f"/{_clean(self.project)}/{_clean(self.stack)}/"

    def parameter(self, *parts: str) -> str:
        """An SSM parameter name under this stack's path, `/<project>/<stack>/<parts>`: the
        path the permissions boundary and the CI deploy role are scoped to."""
        return self.log_group(*parts)

    def app_secret(self, name: str) -> str:
        """The parameter of the app's own secret `name` (app/contract.json `appSecrets`),
        `/<project>/<stack>/app-secrets/<NAME>`: `stackctl secret` writes it, the services'
        execution roles read it (components/kit/app_secrets.py)."""
        return self.parameter(APP_SECRETS_PATH, name)

    @property
    def release_path(self) -> str:
        """`/<project>/<stack>/release`: the Parameter Store path that holds only the deployed
        image tag, so reading the path (GetParametersByPath, authorized on the path itself)
        reaches no other parameter of the stack."""
        return self.parameter("release")

    @property
    def image_tag_parameter(self) -> str:
        """`/<project>/<stack>/release/image-tag`: the String parameter that names the image
        tag the services run (CI writes it; components/compute/deployed_tag.py reads it)."""
        return f"{self.release_path}/image-tag"

    def log_group(self, *parts: str) -> str:
        """A CloudWatch log group name such as `/fullstack/dev/vpc-flow-logs`."""
        return "/" + "/".join([self.project, self.stack, *parts])


def check_logical(type_token: str, logical_name: str) -> str:
    """Return `logical_name` if Pulumi's auto-name from it fits the type's limit, else raise."""
    limit = NAME_LIMITS.get(type_token)
    if limit and len(logical_name) + AUTONAME_SUFFIX > limit[1]:
        raise ValueError(
            f"logical name {logical_name!r} is too long for {type_token}: its auto-name would be "
            f"{len(logical_name) + AUTONAME_SUFFIX} characters, the limit is {limit[1]}"
        )
    return logical_name


def _clean(text: str) -> str:
    return re.sub(r"-{2,}", "-", _LOWER_DASH.sub("-", text.lower())).strip("-")
