"""Wiring only: settings -> provider -> components -> exports.

Read top to bottom, this is the architecture. Resource logic lives in components/.
"""

import pulumi

from components.naming import Naming
from components.network import Network, NetworkArgs
from components.provider import component_options, create_provider
from components.settings import load_settings

settings = load_settings()  # validates everything before any resource exists
naming = Naming(settings.project, settings.stack)
provider = create_provider(settings)
opts = component_options(provider)

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
    ),
    opts=opts,
)

pulumi.export("profile", settings.profile)
pulumi.export("region", settings.region)
pulumi.export("vpcId", network.vpc.id)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("isolatedSubnetIds", network.isolated_subnet_ids)
pulumi.export("natPublicIps", network.nat_public_ips)
