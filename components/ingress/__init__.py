"""Ingress layer: the ALB or the HTTP API, CloudFront, certificates and DNS records."""
