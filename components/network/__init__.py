"""Network layer: the VPC, its subnets, NAT and the NAT instance's sleep schedule."""
