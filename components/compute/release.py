"""The release steps' wiring: what `pulumi up` runs before the ECS services roll out.

`release_steps(...)` creates, once there are images to run (not `parked`), the two release steps
of components/release_steps.py: the web's static files to the static bucket (`StaticFiles`,
a child of `static_parent`, the edge), then the migration run (`MigrationRun`, a child of the
migration task). It returns them for the release gate (`ReleaseGate.open`), which every service
waits for; parked, it returns none and the gate opens empty.

The migration runs after what its task needs to start and connect: `after` (the network with
its routes, NAT and endpoints to pull its image and read its secrets; the data stores and their
secrets), the security group of the service whose roles it borrows and that group's rules to the
stores and the internet, and the cluster's capacity providers. A deploy at any hour: the run
wakes the NAT instances `nat_instance_ids` first.

Creates only the two dynamic resources; each costs what its run uses (see docs/costs and the
module docstring of components/release_steps.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components.compute.cluster import Cluster
from components.compute.workloads import Workloads
from components.config.settings import Settings
from components.config.values import PLATFORMS
from components.release_steps import StaticFiles


def release_steps(
    workloads: Workloads,
    *,
    settings: Settings,
    account: Mapping[str, Any],
    images: Mapping[str, pulumi.Input[str]],
    cluster: Cluster,
    static_bucket: pulumi.Input[str],
    static_parent: pulumi.Resource,
    nat_instance_ids: Sequence[pulumi.Input[str]],
    after: Sequence[pulumi.Resource],
) -> list[pulumi.Resource]:
    """The steps the services wait for, in the order they were always created."""
    if settings.parked:
        return []
    static_files = StaticFiles(
        "web-static",
        account=account,
        bucket=static_bucket,
        image=images["web"],
        platform=PLATFORMS[settings.cpu_architecture],
        opts=pulumi.ResourceOptions(parent=static_parent),
    )
    migrating = workloads.migrating
    links = workloads.store_connections[migrating.args.service_name]
    rules = [rule for link in links for rule in (link.ingress, link.egress)]
    migration_run = workloads.migration.run_once(
        account=account,
        cluster=cluster.arn,
        nat_instance_ids=nat_instance_ids,
        depends_on=[
            *after,
            migrating.security_group,
            migrating.https_out,
            *rules,
            cluster.capacity_providers,
        ],
    )
    return [static_files, migration_run]
