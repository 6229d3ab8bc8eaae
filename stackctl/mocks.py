"""Pulumi mocks that stand in for AWS: plausible ids, ARNs and data-source answers.

`AwsMocks.new_resource` echoes a resource's inputs back as its outputs and adds what AWS would
compute (id, arn, and a few type-specific attributes other resources read). `AwsMocks.call`
answers the data sources the program uses, with camelCase keys as the provider returns them.
An unknown data source answers `{}` and is recorded in `unknown_calls`, so a test can fail on it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"
CLOUDFRONT_PREFIX_LIST_ID = "pl-3b927c52"
VPC_ORIGINS_SERVICE_SG_ID = "sg-0cf0e5a1b2c3d4e5f"  # the group AWS creates with a VPC origin


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:17]


class AwsMocks(pulumi.runtime.Mocks):
    def __init__(self, region: str, image_tag: str | None = None) -> None:
        self.region = region
        # the value of the stack's image tag parameter (/<project>/<stack>/release/image-tag),
        # which CI writes; None: the parameter does not exist yet
        self.image_tag = image_tag
        self.unknown_calls: list[str] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    # -- resources -----------------------------------------------------------------------------

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", dict(args.inputs)
        outputs: dict[str, Any] = dict(args.inputs)
        digest = _short_hash(f"{args.typ}/{args.name}")
        service = args.typ.split(":")[1].split("/")[0]
        resource_id = f"{args.name}-{digest[:8]}"
        name = outputs.get("name") or f"{args.name}-{digest[:7]}"
        outputs.setdefault("arn", f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{args.name}")
        extra = _TYPE_OUTPUTS.get(args.typ)
        if extra:
            outputs.update(extra(self, args, digest, str(name)))
            resource_id = outputs.pop("__id__", resource_id)
        outputs.setdefault("tagsAll", outputs.get("tags", {}))
        return resource_id, outputs

    # -- data sources --------------------------------------------------------------------------

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        self.calls.append((args.token, dict(args.args)))
        answer = _CALLS.get(args.token)
        if answer is None:
            self.unknown_calls.append(args.token)
            return {}, []
        return answer(self, dict(args.args)), []


def _instance(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    return {
        "__id__": f"i-{h}",
        "primaryNetworkInterfaceId": f"eni-{h}",
        "privateIp": "10.0.224.10",
        "arn": f"arn:aws:ec2:{m.region}:{ACCOUNT_ID}:instance/i-{h}",
    }


def _eip(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    octet = int(h[:2], 16)
    return {
        "__id__": f"eipalloc-{h}",
        "allocationId": f"eipalloc-{h}",
        "publicIp": f"198.51.100.{octet}",
    }


def _prefixed_id(prefix: str):  # type: ignore[no-untyped-def]
    def make(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
        return {"__id__": f"{prefix}-{h}"}

    return make


def _log_group(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    return {"arn": f"arn:aws:logs:{m.region}:{ACCOUNT_ID}:log-group:{n}", "__id__": n}


def _iam_role(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    path = a.inputs.get("path") or "/"
    return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:role{path}{n}", "name": n, "__id__": n}


def _instance_profile(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    path = a.inputs.get("path") or "/"
    arn = f"arn:aws:iam::{ACCOUNT_ID}:instance-profile{path}{n}"
    return {"arn": arn, "name": n, "__id__": n}


def _kms_key(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    key_id = f"{h[:8]}-{h[8:12]}-4{h[12:15]}-8{h[15:17]}0-{h[:12]}"
    return {
        "__id__": key_id,
        "keyId": key_id,
        "arn": f"arn:aws:kms:{m.region}:{ACCOUNT_ID}:key/{key_id}",
    }


def _alarm(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    return {"__id__": n, "arn": f"arn:aws:cloudwatch:{m.region}:{ACCOUNT_ID}:alarm:{n}"}


def _web_acl(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    scope = "global" if a.inputs.get("scope") == "CLOUDFRONT" else "regional"
    region = "us-east-1" if scope == "global" else m.region
    arn = f"arn:aws:wafv2:{region}:{ACCOUNT_ID}:{scope}/webacl/{n}/{h[:8]}"
    return {"__id__": h[:8], "arn": arn}


def _iam_policy(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    path = a.inputs.get("path") or "/"
    return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:policy{path}{n}", "name": n}


# Letters and digits only: a valid ElastiCache AUTH token and app secret (components/data/cache.py).
_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


def _random_password(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    """A deterministic stand-in for the generated value, obeying length and character rules."""
    length = int(a.inputs.get("length") or 32)
    seed = hashlib.sha256(f"secret/{a.name}".encode()).digest()
    while len(seed) < length:
        seed += hashlib.sha256(seed).digest()
    result = "".join(_PASSWORD_ALPHABET[b % len(_PASSWORD_ALPHABET)] for b in seed[:length])
    return {"__id__": "none", "result": result, "bcryptHash": f"$2a$10${h}"}


def _random_id(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    """A deterministic stand-in for random.RandomId: `byte_length` bytes as hex."""
    length = int(a.inputs.get("byteLength") or 8)
    value = hashlib.sha256(f"id/{a.name}".encode()).hexdigest()[: 2 * length]
    return {"__id__": value, "hex": value, "dec": str(int(value, 16)), "b64Url": value}


def _rds_cluster(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    ident = str(a.inputs.get("clusterIdentifier") or n)
    host = f"{ident}.cluster-c{h[:11]}.{m.region}.rds.amazonaws.com"
    secret = f"arn:aws:secretsmanager:{m.region}:{ACCOUNT_ID}:secret:rds!cluster-{h[:8]}-AbCdEf"
    return {
        "__id__": ident,
        "arn": f"arn:aws:rds:{m.region}:{ACCOUNT_ID}:cluster:{ident}",
        "endpoint": host,
        "readerEndpoint": host.replace(".cluster-", ".cluster-ro-"),
        "masterUserSecrets": [
            {"kmsKeyId": "aws/secretsmanager", "secretArn": secret, "secretStatus": "active"}
        ],
    }


def _replication_group(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    ident = str(a.inputs.get("replicationGroupId") or n)
    return {
        "__id__": ident,
        "arn": f"arn:aws:elasticache:{m.region}:{ACCOUNT_ID}:replicationgroup:{ident}",
        "primaryEndpointAddress": f"master.{ident}.{h[:6]}.use1.cache.amazonaws.com",
        "readerEndpointAddress": f"replica.{ident}.{h[:6]}.use1.cache.amazonaws.com",
    }


def _secret(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    arn = f"arn:aws:secretsmanager:{m.region}:{ACCOUNT_ID}:secret:{n}-{h[:6]}"
    return {"__id__": arn, "arn": arn}


def _parameter(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    # AWS's form: a name with a leading slash follows `parameter` directly (`parameter/a/b`),
    # one without gets a slash (`parameter/name`); the resource's id is the name
    name = str(a.inputs.get("name") or n)
    arn = f"arn:aws:ssm:{m.region}:{ACCOUNT_ID}:parameter/{name.lstrip('/')}"
    return {"__id__": name, "arn": arn, "name": name, "version": 1}


def _bucket(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    bucket = str(a.inputs.get("bucket") or n)
    return {
        "__id__": bucket,
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketRegionalDomainName": f"{bucket}.s3.{m.region}.amazonaws.com",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
    }


# -- compute and edge (issue 5) --------------------------------------------------------------


def _ecr_repository(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    return {
        "__id__": n,
        "arn": f"arn:aws:ecr:{m.region}:{ACCOUNT_ID}:repository/{n}",
        "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{m.region}.amazonaws.com/{n}",
        "registryId": ACCOUNT_ID,
    }


def _ecr_image(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    """awsx.ecr.Image (a remote component): the pushed image by digest, as awsx returns it."""
    url = str(a.inputs.get("repositoryUrl"))
    digest = hashlib.sha256(f"{url}:{a.inputs.get('imageTag')}".encode()).hexdigest()
    return {"imageUri": f"{url}@sha256:{digest}"}


def _ecs_cluster(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    return {"__id__": f"arn:aws:ecs:{m.region}:{ACCOUNT_ID}:cluster/{n}",
            "arn": f"arn:aws:ecs:{m.region}:{ACCOUNT_ID}:cluster/{n}"}  # fmt: skip


def _task_definition(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    family = str(a.inputs.get("family") or n)
    arn = f"arn:aws:ecs:{m.region}:{ACCOUNT_ID}:task-definition/{family}:1"
    return {"__id__": family, "arn": arn, "revision": 1, "arnWithoutRevision": arn[:-2]}


def _load_balancer(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    prefix = "internal-" if a.inputs.get("internal") else ""
    arn = f"arn:aws:elasticloadbalancing:{m.region}:{ACCOUNT_ID}:loadbalancer/app/{n}/{h[:16]}"
    return {
        "__id__": arn,
        "arn": arn,
        "arnSuffix": f"app/{n}/{h[:16]}",
        "dnsName": f"{prefix}{n}-{int(h[:8], 16)}.{m.region}.elb.amazonaws.com",
        "zoneId": "Z35SXDOTRQ7X7K",
    }


def _target_group(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    arn = f"arn:aws:elasticloadbalancing:{m.region}:{ACCOUNT_ID}:targetgroup/{n}/{h[:16]}"
    return {"__id__": arn, "arn": arn, "arnSuffix": f"targetgroup/{n}/{h[:16]}"}


def _elb_arn(kind: str) -> Callable[..., dict[str, Any]]:
    def make(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
        arn = f"arn:aws:elasticloadbalancing:{m.region}:{ACCOUNT_ID}:{kind}/app/{h[:16]}"
        return {"__id__": arn, "arn": arn}

    return make


def _distribution(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    dist_id = f"E{h[:13].upper()}"
    return {
        "__id__": dist_id,
        "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{dist_id}",
        "domainName": f"d{h[:13]}.cloudfront.net",
        "hostedZoneId": "Z2FDTNDATAQYW2",
    }


def _vpc_origin(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    return {"__id__": f"vo_{h[:16]}",
            "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:vpcorigin/vo_{h[:16]}"}  # fmt: skip


def _certificate(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    region = str(a.inputs.get("region") or m.region)
    domain = str(a.inputs.get("domainName"))
    names = [domain, *(a.inputs.get("subjectAlternativeNames") or [])]
    options = []
    for name in names:
        base = name[2:] if name.startswith("*.") else name
        options.append(
            {
                "domainName": name,
                "resourceRecordName": f"_{_short_hash(base)[:12]}.{base}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{_short_hash('v' + base)[:12]}.acm-validations.aws.",
            }
        )
    return {
        "arn": f"arn:aws:acm:{region}:{ACCOUNT_ID}:certificate/{h}",
        "domainValidationOptions": options,
    }


def _certificate_validation(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    return {"__id__": str(a.inputs.get("certificateArn"))}


# -- lab ingress and NAT schedule (issue 14) ---------------------------------------------------


def _http_api(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    api_id = h[:10]
    return {
        "__id__": api_id,
        "arn": f"arn:aws:apigateway:{m.region}::/apis/{api_id}",
        "apiEndpoint": f"https://{api_id}.execute-api.{m.region}.amazonaws.com",
        "executionArn": f"arn:aws:execute-api:{m.region}:{ACCOUNT_ID}:{api_id}",
    }


def _cloud_map(kind: str, prefix: str) -> Callable[..., dict[str, Any]]:
    def make(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
        ident = f"{prefix}-{h[:16]}"
        extra = {"hostedZone": f"Z{h[:13].upper()}"} if kind == "namespace" else {}
        arn = f"arn:aws:servicediscovery:{m.region}:{ACCOUNT_ID}:{kind}/{ident}"
        return {"__id__": ident, "arn": arn, **extra}

    return make


def _lambda_function(
    m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str
) -> dict[str, Any]:
    arn = f"arn:aws:lambda:{m.region}:{ACCOUNT_ID}:function:{n}"
    invoke = f"arn:aws:apigateway:{m.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    return {"__id__": n, "arn": arn, "name": n, "invokeArn": invoke, "qualifiedArn": f"{arn}:1"}


def _schedule(m: AwsMocks, a: pulumi.runtime.MockResourceArgs, h: str, n: str) -> dict[str, Any]:
    group = str(a.inputs.get("groupName") or "default")
    arn = f"arn:aws:scheduler:{m.region}:{ACCOUNT_ID}:schedule/{group}/{n}"
    return {"__id__": f"{group}/{n}", "arn": arn, "groupName": group}


_TYPE_OUTPUTS = {
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomId:RandomId": _random_id,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:ec2/instance:Instance": _instance,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/vpc:Vpc": _prefixed_id("vpc"),
    "aws:ec2/subnet:Subnet": _prefixed_id("subnet"),
    "aws:ec2/routeTable:RouteTable": _prefixed_id("rtb"),
    "aws:ec2/internetGateway:InternetGateway": _prefixed_id("igw"),
    "aws:ec2/natGateway:NatGateway": _prefixed_id("nat"),
    "aws:ec2/securityGroup:SecurityGroup": _prefixed_id("sg"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _prefixed_id("vpce"),
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/instanceProfile:InstanceProfile": _instance_profile,
    "aws:iam/policy:Policy": _iam_policy,
    "aws:kms/key:Key": _kms_key,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:ecr/repository:Repository": _ecr_repository,
    "awsx:ecr:Image": _ecr_image,
    "aws:ecs/cluster:Cluster": _ecs_cluster,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _elb_arn("listener"),
    "aws:lb/listenerRule:ListenerRule": _elb_arn("listener-rule"),
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cloudfront/vpcOrigin:VpcOrigin": _vpc_origin,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:acm/certificateValidation:CertificateValidation": _certificate_validation,
    "aws:apigatewayv2/api:Api": _http_api,
    "aws:apigatewayv2/vpcLink:VpcLink": _prefixed_id("vpclink"),
    "aws:apigatewayv2/integration:Integration": _prefixed_id("integ"),
    "aws:apigatewayv2/authorizer:Authorizer": _prefixed_id("auth"),
    "aws:apigatewayv2/route:Route": _prefixed_id("route"),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": _cloud_map("namespace", "ns"),
    "aws:servicediscovery/service:Service": _cloud_map("service", "srv"),
    "aws:lambda/function:Function": _lambda_function,
    "aws:scheduler/schedule:Schedule": _schedule,
}


def _zones(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    letters = "abcd"
    return {
        "id": m.region,
        "names": [f"{m.region}{c}" for c in letters],
        "zoneIds": [f"use1-az{i + 1}" for i in range(len(letters))],
        "groupNames": [m.region] * len(letters),
        "state": args.get("state"),
    }


def _ssm_parameter(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name"))
    return {
        "id": name,
        "name": name,
        "arn": f"arn:aws:ssm:{m.region}::parameter{name}",
        "type": "String",
        "value": "ami-0a1b2c3d4e5f67890",
        "insecureValue": "ami-0a1b2c3d4e5f67890",
        "version": 1,
    }


def _parameters_by_path(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    """ssm.get_parameters_by_path: under `<path>`, only the image tag parameter, when CI wrote
    one (`image_tag`); an empty answer otherwise, as AWS gives for a path with nothing under it."""
    path = str(args.get("path"))
    found = m.image_tag is not None and path.endswith("/release")
    name = f"{path}/image-tag"
    return {
        "id": path,
        "path": path,
        "arns": [f"arn:aws:ssm:{m.region}:{ACCOUNT_ID}:parameter{name}"] if found else [],
        "names": [name] if found else [],
        "types": ["String"] if found else [],
        "values": [m.image_tag] if found else [],
        "withDecryption": args.get("withDecryption"),
        "recursive": args.get("recursive"),
    }


def _caller_identity(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": ACCOUNT_ID,
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mock",
        "userId": "AIDAMOCK",
    }


def _region(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": m.region, "name": m.region, "region": m.region, "endpoint": "", "description": ""}


def _partition(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "aws",
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
    }


def _prefix_list(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": CLOUDFRONT_PREFIX_LIST_ID,
        "name": args.get("name"),
        "arn": f"arn:aws:ec2:{m.region}:aws:prefix-list/{CLOUDFRONT_PREFIX_LIST_ID}",
        "maxEntries": 55,
        "entries": [],
    }


def _security_group(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    """ec2.get_security_group by name and VPC: the group CloudFront made for its VPC origins."""
    group_id = VPC_ORIGINS_SERVICE_SG_ID
    return {
        "id": group_id,
        "name": args.get("name"),
        "vpcId": args.get("vpcId"),
        "arn": f"arn:aws:ec2:{m.region}:{ACCOUNT_ID}:security-group/{group_id}",
        "description": "CloudFront VPC origins service security group",
        "tags": {},
    }


def _zone(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name") or "example.com")
    return {"id": "Z0MOCKZONE123", "zoneId": "Z0MOCKZONE123", "name": name, "arn": ""}


def _oidc_provider(m: AwsMocks, args: dict[str, Any]) -> dict[str, Any]:
    host = str(args.get("url", "")).removeprefix("https://")
    arn = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{host}"
    return {"id": arn, "arn": arn, "url": host, "clientIdLists": ["sts.amazonaws.com"]}


_CALLS = {
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": _oidc_provider,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _zones,
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:ssm/getParametersByPath:getParametersByPath": _parameters_by_path,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": _prefix_list,
    "aws:ec2/getSecurityGroup:getSecurityGroup": _security_group,
    "aws:route53/getZone:getZone": _zone,
}
