"""Ingress layer: the ALB, or the HTTP API with its VPC link and Cloud Map names; CloudFront,
certificates and DNS records."""
