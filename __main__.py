"""Wiring only: settings -> provider -> components -> exports.

Read top to bottom, this is the architecture. Resource logic lives in components/.
"""

from typing import Any

import pulumi
import pulumi_aws as aws

from components.app_contract import load_contract
from components.app_storage import AppStorage, AppStorageArgs
from components.boundary import create_boundary, with_boundary
from components.cache import Cache, CacheArgs
from components.ci_identity import CiIdentity, CiIdentityArgs
from components.cluster import Cluster, ClusterArgs
from components.database import Database, DatabaseArgs
from components.dns import Certificates, CertificatesArgs, SiteRecords, SiteRecordsArgs, site_names
from components.edge import Edge, EdgeArgs
from components.fargate_service import (
    UPLOADS_PREFIX,
    EgressRule,
    FargateService,
    FargateServiceArgs,
    app_task_policy_statements,
)
from components.load_balancer import CLOUDFRONT_ORIGIN_FACING, LoadBalancer, LoadBalancerArgs
from components.migration import MigrationTask, MigrationTaskArgs
from components.monitoring import Monitoring, MonitoringArgs, ServiceWatch
from components.naming import Naming
from components.network import Network, NetworkArgs
from components.provider import component_options, create_provider
from components.registry import PLATFORMS, Registry, RegistryArgs
from components.scaling import ScaledService, Scaling, ScalingArgs, owns_desired_count
from components.settings import ServiceSize, load_settings

settings = load_settings()  # validates everything before any resource exists
naming = Naming(settings.project, settings.stack)
provider = create_provider(settings)
# Every role the components create carries this permissions boundary (components/boundary.py).
boundary = create_boundary(
    name_prefix=naming.prefix,
    log_prefix=naming.log_group(),
    iam_path=naming.iam_path,
    region=settings.region,
    provider=provider,
)
opts = with_boundary(component_options(provider), boundary.arn)

network = Network(
    "network",
    NetworkArgs(
        name_prefix=naming.prefix,
        region=settings.region,
        cidr=settings.vpc_cidr,
        az_count=settings.az_count,
        nat=settings.nat,
        nat_instance_type=settings.nat_instance_type,
        interface_endpoints=settings.interface_endpoints,
        ecs_exec=settings.ecs_exec,
        flow_logs=settings.flow_logs,
        log_retention_days=settings.log_retention_days,
        flow_log_group_name=naming.log_group("vpc-flow-logs"),
        iam_path=naming.iam_path,
    ),
    opts=opts,
)

# -- data layer: isolated subnets; services are admitted later with allow_from(name, sg_id) ----
keep_data = settings.deletion_protection
database = Database(
    "database",
    DatabaseArgs(
        cluster_identifier=naming.physical("rds", "db"),
        vpc_id=network.vpc.id,
        subnet_ids=network.isolated_subnet_ids,
        availability_zones=network.availability_zones,
        engine_version=settings.db_engine_version,
        min_acu=settings.db_min_acu,
        max_acu=settings.db_max_acu,
        auto_pause_seconds=settings.db_auto_pause_seconds,
        readers=settings.db_readers,
        backup_retention_days=settings.backup_retention_days,
        deletion_protection=keep_data,
        log_retention_days=settings.log_retention_days,
    ),
    opts=opts,
)
cache = (
    Cache(
        "cache",
        CacheArgs(
            replication_group_id=naming.physical("elasticache", "cache"),
            vpc_id=network.vpc.id,
            subnet_ids=network.isolated_subnet_ids,
            engine=settings.redis_engine,
            node_type=settings.redis_node_type,
            nodes=settings.redis_nodes,
            snapshot_retention_days=settings.backup_retention_days if keep_data else 0,
            secret_recovery_window_days=30 if keep_data else 0,
        ),
        opts=opts,
    )
    if settings.redis
    else None
)
account_id = aws.get_caller_identity(opts=pulumi.InvokeOptions(provider=provider)).account_id
storage = AppStorage(
    "storage",
    AppStorageArgs(
        bucket_name=naming.physical("s3", f"uploads-{account_id}"),
        deletion_protection=keep_data,
        secret_recovery_window_days=30 if keep_data else 0,
    ),
    opts=opts,
)

# -- compute: images, cluster, load balancer, the three services, the migration task ----------
contract = load_contract()
registry = Registry(
    "registry",
    RegistryArgs(
        name_prefix=naming.prefix,
        keep_tagged=settings.ecr_keep_tagged,
        force_delete=not keep_data,
    ),
    opts=opts,
)
cluster = Cluster(
    "cluster",
    ClusterArgs(
        cluster_name=naming.physical("generic", "cluster"),
        container_insights=settings.container_insights,
        fargate_spot=settings.fargate_spot,
    ),
    opts=opts,
)
certificates = (
    Certificates(
        "certs",
        CertificatesArgs(
            domain=settings.domain,
            region=settings.region,
            hosted_zone_id=settings.hosted_zone_id,
            regional=settings.alb_https,
        ),
        opts=opts,
    )
    if settings.domain
    else None
)
cloudfront_prefix_list = aws.ec2.get_managed_prefix_list(
    name=CLOUDFRONT_ORIGIN_FACING, opts=pulumi.InvokeOptions(provider=provider)
)
public_alb = settings.edge == "public"
load_balancer = LoadBalancer(
    "lb",
    LoadBalancerArgs(
        alb_name=naming.physical("alb", "alb"),
        vpc_id=network.vpc.id,
        subnet_ids=network.public_subnet_ids if public_alb else network.private_subnet_ids,
        internal=not public_alb,
        cloudfront_prefix_list_id=cloudfront_prefix_list.id,
        certificate_arn=certificates.regional_certificate_arn if certificates else None,
        public_https=public_alb and settings.alb_https,
        deletion_protection=keep_data,
        deregistration_delay=60 if keep_data else 10,
        api_port=contract.api_port,
        api_health_path=contract.api_health_path,
        web_port=contract.web_port,
        web_health_path=contract.web_health_path,
    ),
    opts=opts,
)

# -- edge: CloudFront is the only way in; the ALB routes by the viewer's Host -----------------
names = site_names(settings.domain) if settings.domain else None
edge = Edge(
    "edge",
    EdgeArgs(
        name_prefix=naming.prefix,
        static_bucket_name=naming.physical("s3", f"static-{account_id}"),
        log_bucket_name=naming.physical("s3", f"cdn-logs-{account_id}"),
        alb_arn=load_balancer.alb.arn,
        alb_dns_name=load_balancer.dns_name,
        vpc_origin=not public_alb,
        origin_https=load_balancer.tls,
        aliases=list(names.values()) if names else (),
        certificate_arn=certificates.cloudfront_certificate_arn if certificates else None,
        price_class=settings.price_class,
        waf=settings.waf,
        access_logs=settings.cloudfront_logs,
        log_retention_days=settings.log_retention_days,
        deletion_protection=keep_data,
    ),
    opts=opts,
)
site_url: pulumi.Input[str] = (
    f"https://{settings.domain}"
    if settings.domain
    else pulumi.Output.concat("https://", edge.domain_name)
)
if names:
    load_balancer.route(site_hosts=[names["apex"], names["www"]], api_host=names["api"])
else:
    load_balancer.route(site_hosts=[edge.domain_name])
if certificates is not None and settings.domain:
    SiteRecords(
        "records",
        SiteRecordsArgs(
            domain=settings.domain,
            zone_id=certificates.zone_id,
            distribution_domain_name=edge.distribution.domain_name,
            distribution_zone_id=edge.distribution.hosted_zone_id,
        ),
        opts=opts,
    )

# images: build -> `pulumi up` builds and pushes both images (tagged by content) with Docker.
# images: registry -> CI pushed them; parked (0 tasks) until imageTag names them (see settings).
if settings.images == "build":
    platform = PLATFORMS[settings.cpu_architecture]
    api_image = registry.build_image("api", "app/api", platform)
    web_image = registry.build_image("web", "app/web", platform)
else:
    image_tag = settings.image_tag or "bootstrap"
    api_image = registry.image_uri("api", image_tag)
    web_image = registry.image_uri("web", image_tag)
data_environment: dict[str, pulumi.Input[str]] = {
    "AWS_REGION": settings.region,
    "DB_HOST": database.endpoint,
    "DB_PORT": str(database.port),
    "DB_NAME": database.database_name,
    "DB_SECRET_ARN": database.master_secret_arn,
    "UPLOADS_BUCKET": storage.bucket_name,
}
data_secrets: dict[str, pulumi.Input[str]] = {
    "DB_USERNAME": pulumi.Output.concat(database.master_secret_arn, ":username::"),
    "DB_PASSWORD": pulumi.Output.concat(database.master_secret_arn, ":password::"),
    "APP_SECRET_KEY": storage.app_secret_arn,
}
data_secret_arns: list[pulumi.Input[str]] = [database.master_secret_arn, storage.app_secret_arn]
data_egress = [
    EgressRule("db", database.port, database.security_group.id, "PostgreSQL to Aurora"),
]
if cache is not None:
    data_environment |= {
        "REDIS_HOST": cache.host,
        "REDIS_PORT": str(cache.port),
        "REDIS_TLS": "true" if cache.tls else "false",
    }
    data_secrets["REDIS_AUTH_TOKEN"] = cache.auth_token_secret_arn
    data_secret_arns.append(cache.auth_token_secret_arn)
    data_egress.append(
        EgressRule("cache", cache.port, cache.security_group.id, "Redis/Valkey (TLS) to the cache")
    )
app_task_statements = app_task_policy_statements(
    storage.bucket_arn, database.master_secret_arn, UPLOADS_PREFIX
)


def service_args(name: str, size: ServiceSize, **extra: Any) -> FargateServiceArgs:
    """What the three services share: cluster, network, sizes and the operational dials."""
    spot = size.runs_on_spot(settings.fargate_spot)
    return FargateServiceArgs(
        service_name=name,
        cluster_arn=cluster.arn,
        capacity_providers=cluster.capacity_providers,
        vpc_id=network.vpc.id,
        subnet_ids=network.private_subnet_ids,
        log_group_name=naming.log_group("ecs", name),
        region=settings.region,
        cpu=size.cpu,
        memory=size.memory,
        desired_count=0 if settings.parked else size.count,
        cpu_architecture=settings.cpu_architecture,
        retention_days=settings.log_retention_days,
        spot=spot,
        # mvp keeps one on-demand task if Spot is turned on: Spot is never replaced by on-demand.
        on_demand_base=1 if spot and settings.profile == "mvp" and name != "worker" else 0,
        ecs_exec=settings.ecs_exec,
        autoscaling=owns_desired_count(settings.autoscaling and name != "worker", settings.sleep),
        user=contract.user,
        family=naming.physical("generic", name),
        iam_path=naming.iam_path,
        **extra,
    )


api = FargateService(
    "api",
    service_args(
        "api",
        settings.api,
        image=api_image,
        repository_arns=[registry.repositories["api"].arn],
        container_port=contract.api_port,
        health_check_command=contract.api_health_check,
        environment=data_environment,
        secrets=data_secrets,
        secret_arns=data_secret_arns,
        task_policy_statements=app_task_statements,
        egress_to=data_egress,
        target_group_arn=load_balancer.api_target_group.arn,
        load_balancer_security_group_id=load_balancer.security_group.id,
        listener_rules=load_balancer.api_rules,
    ),
    opts=opts,
)
web = FargateService(
    "web",
    service_args(
        "web",
        settings.web,
        image=web_image,
        repository_arns=[registry.repositories["web"].arn],
        container_port=contract.web_port,
        health_check_command=contract.web_health_check,
        # Server-side API calls: straight to the internal ALB; a public ALB's name resolves to
        # public addresses (reached through NAT, so no security group could admit the tasks),
        # so in public mode the web service calls the site URL through CloudFront instead.
        environment={
            **contract.web_fixed_env,
            "API_INTERNAL_URL": site_url if public_alb else load_balancer.internal_url,
        },
        egress_to=[]
        if public_alb
        else [
            EgressRule("alb", 80, load_balancer.security_group.id, "HTTP to the ALB (API calls)")
        ],
        target_group_arn=load_balancer.web_target_group.arn,
        load_balancer_security_group_id=load_balancer.security_group.id,
        listener_rules=load_balancer.web_rules,
    ),
    opts=opts,
)
if not public_alb:
    load_balancer.allow_from("web", web.security_group.id)
services = [api, web]
if settings.worker.enabled:
    worker = FargateService(
        "worker",
        service_args(
            "worker",
            settings.worker,
            image=api_image,
            repository_arns=[registry.repositories["api"].arn],
            command=contract.worker_command,
            environment=data_environment,
            secrets=data_secrets,
            secret_arns=data_secret_arns,
            task_policy_statements=app_task_statements,
            egress_to=data_egress,
            stop_timeout=contract.worker_stop_timeout,
        ),
        opts=opts,
    )
    services.append(worker)
for service in services:
    if service is web:
        continue  # the web service only calls the API: no database or cache access
    database.allow_from(service.args.service_name, service.security_group.id)
    if cache is not None:
        cache.allow_from(service.args.service_name, service.security_group.id)
migration = MigrationTask(
    "migrate",
    MigrationTaskArgs(
        family=naming.physical("generic", "migrate"),
        subnet_ids=network.private_subnet_ids,
        command=contract.migration_command,
    ),
    api=api,
    opts=opts,
)

# -- operations: scaling, alarms, CI identity ---------------------------------------------------
sizes = {"api": settings.api, "web": settings.web, "worker": settings.worker}
parked = settings.parked  # no image to run yet: every count stays 0
Scaling(
    "scaling",
    ScalingArgs(
        cluster_name=cluster.name,
        services=[
            ScaledService(
                label=service.args.service_name,
                service_name=service.service.name,
                count=service.args.desired_count,
                min_count=0 if parked else sizes[service.args.service_name].min_count,
                max_count=0 if parked else sizes[service.args.service_name].max_count,
                target_tracking=settings.autoscaling and service.args.service_name != "worker",
            )
            for service in services
        ],
        sleep=settings.sleep,
    ),
    opts=opts,
)
target_groups = {"api": load_balancer.api_target_group, "web": load_balancer.web_target_group}
monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(
        name_prefix=naming.prefix,
        region=settings.region,
        alarm_email=settings.alarm_email,
        load_balancer_arn_suffix=load_balancer.alb.arn_suffix,
        cluster_name=cluster.name,
        container_insights=settings.container_insights,
        dashboard=settings.dashboard,
        services=[
            ServiceWatch(
                label=service.args.service_name,
                service_name=service.service.name,
                desired_count=service.args.desired_count,
                target_group_arn_suffix=target_groups[service.args.service_name].arn_suffix
                if service.args.service_name in target_groups
                else None,
            )
            for service in services
        ],
        db_cluster_identifier=database.cluster.cluster_identifier,
        db_max_acu=settings.db_max_acu,
        cache_node_ids=cache.node_ids if cache is not None else (),
        sleep=settings.sleep,
    ),
    opts=opts,
)

ci = (
    CiIdentity(
        "ci",
        CiIdentityArgs(
            iam_path=naming.iam_path,
            region=settings.region,
            github_repo=settings.github_repo,
            project=settings.project,
            stack=settings.stack,
            name_prefix=naming.prefix,
            boundary_arn=boundary.arn,
            domain=settings.domain,
            create_oidc_provider=settings.github_oidc_provider == "create",
            state_bucket=settings.state_bucket,
            secrets_key_arn=settings.secrets_key_arn,
        ),
        # no boundary: the CI roles are a person's to change (README, CI identity)
        opts=component_options(provider),
    )
    if settings.github_repo
    else None
)

pulumi.export("profile", settings.profile)
pulumi.export("region", settings.region)
pulumi.export("vpcId", network.vpc.id)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
pulumi.export("natPublicIps", network.nat_public_ips)
if ci is not None:
    pulumi.export("ciPreviewRoleArn", ci.preview_role.arn)
    pulumi.export("ciDeployRoleArn", ci.deploy_role.arn)
pulumi.export("databaseEndpoint", database.endpoint)
pulumi.export("databaseReaderEndpoint", database.reader_endpoint)
pulumi.export("databasePort", database.port)
pulumi.export("databaseName", database.database_name)
pulumi.export("databaseSecretArn", database.master_secret_arn)
if cache is not None:
    pulumi.export("redisHost", cache.host)
    pulumi.export("redisPort", cache.port)
    pulumi.export("redisTls", cache.tls)
    pulumi.export("redisAuthTokenSecretArn", cache.auth_token_secret_arn)
pulumi.export("uploadsBucketName", storage.bucket_name)
pulumi.export("appSecretArn", storage.app_secret_arn)

pulumi.export("siteUrl", site_url)
pulumi.export(
    "apiUrl",
    f"https://api.{settings.domain}/api"
    if settings.domain
    else pulumi.Output.concat("https://", edge.domain_name, "/api"),
)
pulumi.export("distributionId", edge.distribution.id)
pulumi.export("distributionDomainName", edge.distribution.domain_name)
pulumi.export("staticBucketName", edge.static_bucket.bucket)
pulumi.export("albDnsName", load_balancer.dns_name)
pulumi.export("clusterName", cluster.name)
pulumi.export("serviceNames", {s.args.service_name: s.service_name for s in services})
pulumi.export("migrationTaskFamily", migration.family)
pulumi.export("migrationNetworkConfiguration", migration.network_configuration)
pulumi.export("migrationContainerName", migration.container_name)
pulumi.export("capacityProviderStrategy", migration.capacity_provider_strategy)
pulumi.export(
    "logGroupNames",
    {
        **{s.args.service_name: s.log_group.name for s in services},
        "migration": migration.log_group_name,
    },
)
pulumi.export("ecrRepositoryUrls", {k: r.repository_url for k, r in registry.repositories.items()})
pulumi.export("imageTag", settings.image_tag or "")
