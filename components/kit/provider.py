"""The AWS provider every resource of the program uses.

Creates one explicit `aws.Provider` for the stack's region whose `default_tags` put `project`,
`stack` and `managed-by` on every taggable resource (AWS applies them; resources that cannot be
tagged are left alone). An explicit provider reads none of the stack's `aws:` config
(aws-facts#explicit-provider), so every honoured `aws:` key (profile, shared files, roles,
allowed/forbidden account ids, retries, ...; components/config/aws_account.py) is passed to it here;
the refused ones never get this far (settings). Components receive it through `providers=[...]` and
pass it to their children by parenting, so no resource falls back to the ambient default provider.

Cost: none.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.config.aws_account import provider_kwargs, release_account
from components.config.settings import Settings


def create_provider(settings: Settings) -> aws.Provider:
    return aws.Provider(
        "aws",
        aws.ProviderArgs(
            region=settings.region,
            default_tags=aws.ProviderDefaultTagsArgs(tags=settings.tags),
            **provider_kwargs(settings.aws),
        ),
    )


def account(settings: Settings) -> dict[str, object]:
    """The `account` input of the release steps: the provider's account, role chain and region."""
    return release_account(settings.aws)


def component_options(provider: aws.Provider) -> pulumi.ResourceOptions:
    """Options for a top-level component: children inherit the tagged provider."""
    return pulumi.ResourceOptions(providers=[provider])
