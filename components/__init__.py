"""Our Pulumi ComponentResources, built on pulumi_aws, and the settings they are built from."""
