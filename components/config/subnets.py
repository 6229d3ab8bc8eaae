"""Subnet layout: how the VPC CIDR is cut into three tiers per availability zone.

Pure `ipaddress` arithmetic, shared by the settings validation (a CIDR that cannot hold the layout
is rejected before any resource exists) and by the Network component.

The VPC is cut into four equal quarters:

- quarters 0..2: one *private* subnet per AZ (the tier that holds the Fargate tasks and the
  internal ALB, so it gets the most addresses);
- quarter 3 is cut into eight parts: parts 0..2 are the *public* subnets (NAT, a public ALB),
  parts 4..6 the *isolated* subnets (database, cache). Parts 3 and 7 stay free for later tiers.

| VPC | private (each) | public / isolated (each) |
|-----|----------------|--------------------------|
| /16 | /18 = 16,379 usable | /21 = 2,043 usable |
| /18 | /20 = 4,091 usable  | /23 = 507 usable   |
| /20 | /22 = 1,019 usable  | /25 = 123 usable   |

AWS reserves five addresses in every subnet; the "usable" counts above already subtract them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

MIN_VPC_PREFIX = 16
MAX_VPC_PREFIX = 20
MAX_AZS = 3
AWS_RESERVED_ADDRESSES = 5
RFC1918 = tuple(
    ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


@dataclass(frozen=True)
class SubnetLayout:
    """The CIDR of every subnet, per tier, in AZ order."""

    vpc: ipaddress.IPv4Network
    public: tuple[ipaddress.IPv4Network, ...]
    private: tuple[ipaddress.IPv4Network, ...]
    isolated: tuple[ipaddress.IPv4Network, ...]

    def all(self) -> tuple[ipaddress.IPv4Network, ...]:
        return self.public + self.private + self.isolated


def usable_addresses(subnet: ipaddress.IPv4Network) -> int:
    """Addresses left for ENIs once AWS has taken its five."""
    return subnet.num_addresses - AWS_RESERVED_ADDRESSES


def plan_subnets(vpc_cidr: str, az_count: int) -> SubnetLayout:
    """Cut `vpc_cidr` into public, private and isolated subnets for `az_count` zones.

    Raises ValueError with a readable reason when the CIDR or the zone count cannot hold the
    layout (not IPv4, host bits set, outside /16../20, more than three zones).
    """
    vpc = ipaddress.ip_network(vpc_cidr, strict=True)
    if not isinstance(vpc, ipaddress.IPv4Network):
        raise ValueError("must be an IPv4 CIDR")
    if not MIN_VPC_PREFIX <= vpc.prefixlen <= MAX_VPC_PREFIX:
        raise ValueError(
            f"prefix /{vpc.prefixlen} is outside /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX}: "
            "a larger block is not allowed by AWS, a smaller one leaves the private subnets "
            "fewer than 1,019 addresses each"
        )
    if not 1 <= az_count <= MAX_AZS:
        raise ValueError(f"the layout holds 1 to {MAX_AZS} availability zones, not {az_count}")
    quarters = list(vpc.subnets(prefixlen_diff=2))
    small = list(quarters[3].subnets(prefixlen_diff=3))
    return SubnetLayout(
        vpc=vpc,
        public=tuple(small[0:az_count]),
        private=tuple(quarters[0:az_count]),
        isolated=tuple(small[4 : 4 + az_count]),
    )
