"""Security layer: the permissions boundary and the CI identity."""
