"""Network layer: the VPC, its subnets and NAT, Cloud Map."""
