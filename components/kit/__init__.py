"""Shared builders every layer may use (transforms, links, security groups, names, the provider)."""
