"""Compute layer: the registry, the cluster, the services, scaling, the migration task."""
