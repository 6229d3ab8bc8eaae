"""Wiring only: settings -> provider -> components -> exports.

Read top to bottom, this is the architecture. Resource logic lives in components/.
"""

import pulumi
import pulumi_aws as aws

from components.compute.cluster import Cluster, ClusterArgs
from components.compute.fargate_service import FargateService, FargateServiceArgs
from components.compute.migration import MigrationTask, MigrationTaskArgs
from components.compute.registry import PLATFORMS, Registry, RegistryArgs
from components.compute.scaling import ScaledService, Scaling, ScalingArgs
from components.config.app_contract import load_contract
from components.config.db_budget import pool_budget
from components.config.reader import load_settings
from components.config.services import ServiceSpec, host_of, service_specs
from components.data.app_storage import AppStorage, AppStorageArgs
from components.data.cache import Cache, CacheArgs
from components.data.database import Database, DatabaseArgs
from components.ingress.dns import (
    Certificates,
    CertificatesArgs,
    SiteRecords,
    SiteRecordsArgs,
    site_names,
)
from components.ingress.edge import Edge, EdgeArgs
from components.ingress.face import IngressArgs, create_ingress
from components.kit.links import Connection, Link, connect, merge
from components.kit.naming import Naming
from components.kit.provider import account, component_options, create_provider
from components.network.nat_schedule import NatSchedule, NatScheduleArgs
from components.network.network import Network, NetworkArgs
from components.operations.monitoring import Monitoring, MonitoringArgs, ServiceWatch
from components.release_steps import ReleaseGate, StaticFiles
from components.security.boundary import create_boundary, with_boundary
from components.security.ci_identity import CiIdentity, CiIdentityArgs, first_assumed_roles
from components.security.user_pool import UserPool, UserPoolArgs

settings = load_settings()  # validates everything before any resource exists
naming = Naming(settings.project, settings.stack)
provider = create_provider(settings)
# Every role the components create carries this permissions boundary
# (components/security/boundary.py).
boundary = create_boundary(
    name_prefix=naming.prefix,
    log_prefix=naming.log_group(),
    iam_path=naming.iam_path,
    region=settings.region,
    provider=provider,
    stack_tags={"project": settings.project, "stack": settings.stack},
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
        # A sleeping NAT instance stops every night: an Elastic IP would bill all month.
        nat_elastic_ip=settings.sleep is None,
        flow_logs=settings.flow_logs,
        log_retention_days=settings.log_retention_days,
        flow_log_group_name=naming.log_group("vpc-flow-logs"),
        iam_path=naming.iam_path,
    ),
    opts=opts,
)

# -- data layer: isolated subnets; each store admits the services that use it (links below) ---
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

# -- compute: images, cluster, load balancer, the services and tasks of app/contract.json -----
contract = load_contract()
specs = service_specs(contract, settings)  # one per enabled service: contract + settings
# Database connections: Aurora's limit shared by every task that can run at once, computed once
# (components/config/db_budget.py) and handed to each task as DB_POOL_SIZE.
db_budget = pool_budget(
    settings.db_min_acu,
    settings.db_max_acu,
    {
        s.name: (max(s.max_count, s.desired_count, s.size.count, s.size.max_count), s.serves)
        for s in specs
        if "database" in s.workload.uses
    },
)


def app_env(spec: ServiceSpec) -> dict[str, str]:
    """The app's own knobs: its share of database connections, and (uvicorn) the address
    ranges whose proxy headers it trusts: the VPC's, where every ingress's nodes live."""
    env = {}
    if spec.name in db_budget.pools:
        env["DB_POOL_SIZE"] = str(db_budget.pools[spec.name])
    if spec.serves and spec.image.runtime == "python":
        env["FORWARDED_ALLOW_IPS"] = settings.vpc_cidr
    return env


registry = Registry(
    "registry",
    RegistryArgs(
        name_prefix=naming.prefix,
        images=tuple(contract.images),
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
# -- ingress: an internal ALB (`alb`), or an API Gateway HTTP API with a VPC link (`httpApi`) ---
serving = {s.name: (s.port, s.health_path) for s in specs if s.port and s.health_path}
ingress = create_ingress(
    IngressArgs(
        mode=settings.ingress,
        naming=naming,
        vpc_id=network.vpc.id,
        public_subnet_ids=network.public_subnet_ids,
        private_subnet_ids=network.private_subnet_ids,
        targets=serving,
        routes=contract.routes,
        provider=provider,
        public=settings.edge == "public",
        https=settings.alb_https,
        certificate_arn=certificates.regional_certificate_arn if certificates else None,
        deletion_protection=keep_data,
        log_retention_days=settings.log_retention_days,
    ),
    opts=opts,
)

# -- edge: CloudFront is the only way in; the ingress routes by the viewer's Host and path -----
names = site_names(settings.domain) if settings.domain else None
if names and not ingress.serves_api_host:
    names.pop("api")  # it sees no viewer Host: the API is /api/* on the site
edge = Edge(
    "edge",
    EdgeArgs(
        name_prefix=naming.prefix,
        static_bucket_name=naming.physical("s3", f"static-{account_id}"),
        static_paths=contract.static_paths,
        log_bucket_name=naming.physical("s3", f"cdn-logs-{account_id}"),
        **ingress.origin.edge_args(),
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
ingress.admit_edge(edge.vpc_origin)
site_url: pulumi.Input[str] = (
    f"https://{settings.domain}"
    if settings.domain
    else pulumi.Output.concat("https://", edge.domain_name)
)
# The route list's host groups by name: the site's names, `api.<domain>` (and the ingress' own).
ingress.route(
    site_hosts=[names["apex"], names["www"]] if names else [edge.domain_name],
    api_hosts=[names["api"]] if names and "api" in names else [],
)
if certificates is not None and settings.domain:
    SiteRecords(
        "records",
        SiteRecordsArgs(
            domain=settings.domain,
            zone_id=certificates.zone_id,
            distribution_domain_name=edge.distribution.domain_name,
            distribution_zone_id=edge.distribution.hosted_zone_id,
            labels=tuple(names or ()),
        ),
        opts=opts,
    )

# images: build -> `pulumi up` builds and pushes every image (tagged by content) with Docker.
# images: registry -> CI pushed them; parked (0 tasks) until imageTag names them (see settings).
if settings.images == "build":
    platform = PLATFORMS[settings.cpu_architecture]
    images = {n: registry.build_image(n, i.context, platform) for n, i in contract.images.items()}
else:
    images = {n: registry.image_uri(n, settings.image_tag or "bootstrap") for n in contract.images}
users = (  # who may write: the services that `use` auth get its issuer, client id, key set URL
    UserPool(
        "auth",
        UserPoolArgs(
            pool_name=naming.physical("generic", "users"),
            region=settings.region,
            self_sign_up=settings.self_sign_up,
            totp_mfa=settings.profile == "mvp",
            deletion_protection=keep_data,
        ),
        opts=opts,
    )
    if settings.auth == "cognito"
    else None
)
links: dict[str, Link] = {
    **({"auth": users.link()} if users is not None else {}),
    "database": database.link(settings.region),
    "storage": storage.link(settings.region),
    **({"cache": cache.link()} if cache is not None else {}),
}

# The ECS services roll out after the release steps (static files, migration run; below). Should
# the program stop before the steps exist, the gate fails and no service is registered.
release = ReleaseGate()
# What the release steps' boto3 clients use: the stack's account (components/kit/release_aws.py).
release_account = account(settings)  # the provider's account, role and region (aws: keys)


services: dict[str, FargateService] = {}
store_connections: dict[str, list[Connection]] = {}  # service -> its rules to the data stores
for spec in specs:
    linked = merge([links[store] for store in spec.workload.uses if store in links])
    calls = {  # the URL it calls another service at: the ingress says which
        f"{c.upper()}_INTERNAL_URL": ingress.call_url(c, site_url) for c in spec.workload.calls
    }
    attachment = ingress.attachment(spec.name)
    service = FargateService(
        spec.name,
        FargateServiceArgs(
            service_name=spec.name,
            cluster_arn=cluster.arn,
            capacity_providers=cluster.capacity_providers,
            vpc_id=network.vpc.id,
            subnet_ids=network.private_subnet_ids,
            image=images[spec.image.name],
            repository_arns=[registry.repositories[spec.image.name].arn],
            log_group_name=naming.log_group("ecs", spec.name),
            region=settings.region,
            cpu=spec.size.cpu,
            memory=spec.size.memory,
            desired_count=spec.desired_count,
            cpu_architecture=settings.cpu_architecture,
            command=spec.workload.command,
            container_port=spec.port,
            health_check_command=spec.workload.health_check,
            environment={**spec.image.fixed_env, **linked.environment, **calls, **app_env(spec)},
            secrets=linked.secrets,
            secret_arns=linked.secret_arns,
            task_policy_statements=linked.task_statements,
            target_group_arn=attachment.target_group_arn,
            listener_rules=attachment.listener_rules,
            service_registries=attachment.service_registries,
            retention_days=settings.log_retention_days,
            spot=spec.spot,
            on_demand_base=spec.on_demand_base,
            ecs_exec=settings.ecs_exec,
            autoscaling=spec.owns_desired_count,
            user=spec.image.user,
            read_only_root=spec.image.read_only_root,
            stop_timeout=spec.workload.stop_timeout,
            family=naming.physical("generic", spec.name),
            iam_path=naming.iam_path,
            depends_on=release.steps,
        ),
        opts=opts,
    )
    services[spec.name] = service
    store_connections[spec.name] = [connect(service.source, e) for e in linked.endpoints]
    ingress.admit(spec.name, service)
for spec in specs:  # a service that calls another: the security group pair the ingress needs
    for called in spec.workload.calls:
        ingress.admit_caller(services[spec.name].source, services[called])

tasks = {
    name: MigrationTask(
        name,
        MigrationTaskArgs(
            family=naming.physical("generic", name),
            subnet_ids=network.private_subnet_ids,
            command=task.command or (),
        ),
        api=services[host_of(task, specs).name],
        opts=opts,
    )
    for name, task in contract.tasks.items()
}
migration = tasks["migrate"]  # the one `pulumi up` runs (and `stackctl migrate` by hand)

# -- release steps of `pulumi up` (components/release_steps.py), once there are images to run:
# the web's static files to the static bucket, then the migration; the services wait for both.
if settings.parked:
    release.open([])
else:
    static_files = StaticFiles(
        "web-static",
        account=release_account,
        bucket=edge.static_bucket.bucket,
        image=images["web"],
        platform=PLATFORMS[settings.cpu_architecture],
        opts=pulumi.ResourceOptions(parent=edge),
    )
    # After what the task needs to start and connect: routes/NAT/endpoints to pull its image and
    # read its secrets, the database, the secrets' values, the cache, the rules that let its
    # group (the api's) reach them and the internet, the cluster's capacity providers.
    data_stores = [database, storage, *([cache] if cache is not None else [])]
    migrating = services[host_of(contract.tasks["migrate"], specs).name]
    links_of_migrating = store_connections[migrating.args.service_name]
    rules = [rule for link in links_of_migrating for rule in (link.ingress, link.egress)]
    migration_run = migration.run_once(
        account=release_account,
        cluster=cluster.arn,
        # a deploy at any hour: the run wakes a sleeping NAT instance first
        nat_instance_ids=[network.nat_instance.instance.id] if network.nat_instance else [],
        depends_on=[
            network,
            *data_stores,
            migrating.security_group,
            migrating.https_out,
            *rules,
            cluster.capacity_providers,
        ],
    )
    release.open([static_files, migration_run])

# -- operations: scaling, the NAT instance's sleep, alarms, CI identity -------------------------
if settings.sleep is not None and network.nat_instance is not None:
    NatSchedule(
        "nat-sleep",
        NatScheduleArgs(
            name_prefix=naming.prefix,
            instance_id=network.nat_instance.instance.id,
            instance_arn=network.nat_instance.instance.arn,
            sleep=settings.sleep,
            iam_path=naming.iam_path,
        ),
        opts=opts,
    )
Scaling(
    "scaling",
    ScalingArgs(
        cluster_name=cluster.name,
        services=[
            ScaledService(
                label=spec.name,
                service_name=services[spec.name].service.name,
                count=spec.desired_count,
                min_count=spec.min_count,
                max_count=spec.max_count,
                target_tracking=spec.target_tracking,
            )
            for spec in specs
        ],
        sleep=settings.sleep,
    ),
    opts=opts,
)
monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(
        name_prefix=naming.prefix,
        region=settings.region,
        alarm_email=settings.alarm_email,
        alarms=settings.alarms,
        load_balancer_arn_suffix=ingress.balancer_arn_suffix,
        cluster_name=cluster.name,
        container_insights=settings.container_insights,
        dashboard=settings.dashboard,
        services=[
            ServiceWatch(
                label=spec.name,
                service_name=services[spec.name].service.name,
                desired_count=spec.desired_count,
                target_group_arn_suffix=ingress.target_arn_suffix(spec.name),
            )
            for spec in specs
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
            # the release steps assume the stack's `aws:assumeRoles` chain with CI's credentials
            assume_role_arns=first_assumed_roles(pulumi.Config("aws").get_object("assumeRoles")),
        ),
        # no boundary: the CI roles are a person's to change (README, CI identity)
        opts=component_options(provider),
    )
    if settings.github_repo
    else None
)

pulumi.export("profile", settings.profile)
pulumi.export("region", settings.region)
for part in (network, database, cache, storage, ingress, users):  # each part's own outputs
    if part is not None:
        for key, value in part.exports().items():
            pulumi.export(key, value)
if ci is not None:
    pulumi.export("ciPreviewRoleArn", ci.preview_role.arn)
    pulumi.export("ciDeployRoleArn", ci.deploy_role.arn)

pulumi.export("siteUrl", site_url)
pulumi.Output.from_input(site_url).apply(lambda url: pulumi.log.info(f"The site: {url}"))
pulumi.export(
    "apiUrl",
    f"https://api.{settings.domain}/api"
    if settings.domain and ingress.serves_api_host
    else pulumi.Output.concat(site_url, "/api"),
)
pulumi.export("distributionId", edge.distribution.id)
pulumi.export("distributionDomainName", edge.distribution.domain_name)
pulumi.export("staticBucketName", edge.static_bucket.bucket)
pulumi.export("clusterName", cluster.name)
pulumi.export("serviceNames", {name: s.service_name for name, s in services.items()})
pulumi.export("migrationTaskFamily", migration.family)
pulumi.export("migrationNetworkConfiguration", migration.network_configuration)
pulumi.export("migrationContainerName", migration.container_name)
pulumi.export("capacityProviderStrategy", migration.capacity_provider_strategy)
pulumi.export(
    "logGroupNames",
    {
        **{name: s.log_group.name for name, s in services.items()},
        "migration": migration.log_group_name,
    },
)
pulumi.export("ecrRepositoryUrls", {k: r.repository_url for k, r in registry.repositories.items()})
pulumi.export("imageTag", settings.image_tag or "")
