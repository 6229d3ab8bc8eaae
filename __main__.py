"""Wiring only: settings -> provider -> components -> exports.

Read top to bottom, this is the architecture. Resource logic lives in components/.
"""

import dataclasses

import pulumi
import pulumi_aws as aws

from components.compute.cluster import Cluster, ClusterArgs
from components.compute.deployed_tag import read_deployed_tag, tag_parameter
from components.compute.registry import Registry, RegistryArgs
from components.compute.release import release_steps
from components.compute.scaling import Scaling, ScalingArgs
from components.compute.workloads import build_workloads
from components.config.app_contract import load_contract
from components.config.reader import load_settings
from components.config.services import service_specs
from components.config.values import PLATFORMS
from components.data.app_storage import AppStorage, AppStorageArgs
from components.data.cache import Cache, cache_args
from components.data.database import Database, database_args
from components.ingress.dns import (
    Certificates,
    CertificatesArgs,
    SiteRecords,
    SiteRecordsArgs,
    site_names,
)
from components.ingress.edge import Edge, EdgeArgs
from components.ingress.face import IngressArgs, create_ingress
from components.kit.app_secrets import AppSecretsCheck, app_secret_links
from components.kit.links import Link
from components.kit.naming import Naming
from components.kit.provider import account, component_options, create_provider
from components.network.nat_schedule import NatSchedule, NatScheduleArgs
from components.network.network import Network, network_args
from components.operations.monitoring import Monitoring, MonitoringArgs, ServiceWatch
from components.release_steps import ReleaseGate
from components.security.boundary import create_boundary, with_boundary
from components.security.ci_identity import CiIdentity, ci_identity_args
from components.security.user_pool import UserPool, UserPoolArgs

settings = load_settings()  # validates everything before any resource exists
naming = Naming(settings.project, settings.stack)
provider = create_provider(settings)
# With `images: registry` the tag to run comes from the stack's parameter, which CI writes
# (never from config: components/compute/deployed_tag.py); none there yet: parked.
deployed = read_deployed_tag(naming, provider) if settings.images == "registry" else None
if deployed is not None:
    settings = dataclasses.replace(settings, image_tag=deployed.tag)
    if deployed.notice:
        pulumi.log.info(deployed.notice)
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

network = Network("network", network_args(settings, naming), opts=opts)

# -- data layer: isolated subnets; each store admits the services that use it (links below) ---
keep_data = settings.deletion_protection
isolated = (network.vpc.id, network.isolated_subnet_ids)
database = Database(
    "database",
    database_args(settings, naming, *isolated, network.availability_zones),
    opts=opts,
)
cache = (
    Cache("cache", cache_args(settings, naming, *isolated), opts=opts) if settings.redis else None
)
account_id = aws.get_caller_identity(opts=pulumi.InvokeOptions(provider=provider)).account_id
storage = AppStorage(
    "storage",
    AppStorageArgs(
        bucket_name=naming.physical("s3", f"uploads-{account_id}"),
        deletion_protection=keep_data,
        secret_recovery_window_days=30 if keep_data else 0,
        app_secret_store=settings.app_secret_store,
        app_secret_parameter=naming.parameter("app-secret-key"),
    ),
    opts=opts,
)

# -- compute: images, cluster, the services and tasks of app/contract.json ---------------------
contract = load_contract()
specs = service_specs(contract, settings)  # one per enabled service: contract + settings
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
if deployed is not None:  # the stack owns the parameter; CI owns its value
    tag_parameter("image-tag", deployed, pulumi.ResourceOptions(parent=registry))
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
# Where the site is, as the browser names it (the web's server actions accept these origins).
site_origins: list[pulumi.Input[str]] = (
    [f"https://{names['apex']}", f"https://{names['www']}"]
    if names
    else [pulumi.Output.concat("https://", edge.domain_name)]
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

images = registry.images(
    {n: i.context for n, i in contract.images.items()},
    settings.images,
    settings.image_tag,
    PLATFORMS[settings.cpu_architecture],
)
# Who may write: the services that `use` auth get the pool's issuer, client id and key set URL;
# those that `use` signIn (the web) its client id and issuer.
users = (
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
    **({"auth": users.link(), "signIn": users.sign_in_link()} if users is not None else {}),
    "database": database.link(settings.region),
    "storage": storage.link(settings.region),
    **({"cache": cache.link()} if cache is not None else {}),
}

# The ECS services roll out after the release steps (static files, migration run; below). Should
# the program stop before the steps exist, the gate fails and no service is registered.
release = ReleaseGate()
workloads = build_workloads(
    specs,
    contract,
    settings=settings,
    naming=naming,
    cluster=cluster,
    registry=registry,
    images=images,
    vpc_id=network.vpc.id,
    subnet_ids=network.private_subnet_ids,
    links=links,
    app_secrets=app_secret_links(contract, naming, settings.region, account_id),
    ingress=ingress,
    site_url=site_url,
    site_origins=site_origins,
    depends_on=release.steps,
    opts=opts,
)

# -- release steps of `pulumi up` (components/release_steps.py), once there are images to run:
# the app's own secrets are set (components/kit/app_secrets.py), the web's static files to the
# static bucket, then the migration; the services wait for all of them.
secrets_check = (
    [AppSecretsCheck("app-secrets-check", contract, naming, account(settings))]
    if contract.app_secrets and not settings.parked
    else []
)
release.open(
    secrets_check
    + release_steps(
        workloads,
        settings=settings,
        account=account(settings),  # the provider's account, role and region (aws: keys)
        images=images,
        cluster=cluster,
        static_bucket=edge.static_bucket.bucket,
        static_parent=edge,
        nat_instance_ids=[network.nat_instance.instance.id] if network.nat_instance else [],
        after=[
            network,
            database,
            storage,
            *([cache] if cache is not None else []),
            *secrets_check,
        ],
    )
)

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
    ScalingArgs(cluster_name=cluster.name, services=workloads.scaled(), sleep=settings.sleep),
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
                service_name=workloads.services[spec.name].service.name,
                desired_count=spec.desired_count,
                target_group_arn_suffix=ingress.target_arn_suffix(spec.name),
            )
            for spec in specs
        ],
        db_cluster_identifier=database.cluster.cluster_identifier,
        db_min_acu=settings.db_min_acu,
        db_max_acu=settings.db_max_acu,
        cache_node_ids=cache.node_ids if cache is not None else (),
        sleep=settings.sleep,
    ),
    opts=opts,
)

ci = (
    CiIdentity(
        "ci",
        ci_identity_args(settings, naming, settings.github_repo, boundary.arn),
        # no boundary: the CI roles are a person's to change (README, CI identity)
        opts=component_options(provider),
    )
    if settings.github_repo
    else None
)

pulumi.export("profile", settings.profile)
pulumi.export("region", settings.region)
parts = (network, database, cache, storage, ingress, edge, cluster, workloads, registry, ci, users)
for part in parts:  # each part names its own outputs
    if part is not None:
        for key, value in part.exports().items():
            pulumi.export(key, value)
pulumi.export("siteUrl", site_url)
pulumi.Output.from_input(site_url).apply(lambda url: pulumi.log.info(f"The site: {url}"))
pulumi.export(
    "apiUrl",
    f"https://api.{settings.domain}/api"
    if settings.domain and ingress.serves_api_host
    else pulumi.Output.concat(site_url, "/api"),
)
pulumi.export("imageTag", settings.image_tag or "")  # the tag deployed ("" parked or built)
if deployed is not None:
    pulumi.export("imageTagParameter", deployed.parameter)
