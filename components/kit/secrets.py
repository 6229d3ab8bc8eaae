"""A generated secret, written once: a random value kept in Secrets Manager.

`generated_secret(name, password=..., description=..., recovery_window_days=..., opts=...)`
creates three resources, all named `name`:
1. `random.RandomPassword` with the `password` arguments given (length, character classes);
2. a Secrets Manager secret (`description`; `recovery_window_days`: 0 deletes at once, 7 to 30
   keeps it that long after a delete);
3. its version: the value as a plain string, marked a Pulumi secret at the point of use (the
   random provider marks `result` secret too, but saying so here keeps it secret whatever
   produced the value).
ECS injects the secret into the containers that need it (their `Link`); no plaintext anywhere.

Cost: one Secrets Manager secret-month each (prices/prices.yaml, `secretsmanager.secret.month`),
plus its API calls.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_random as random


def generated_secret(
    name: str,
    *,
    password: random.RandomPasswordArgs,
    description: str,
    recovery_window_days: int,
    opts: pulumi.ResourceOptions,
) -> tuple[random.RandomPassword, aws.secretsmanager.Secret]:
    """The random value and the secret that holds it (see the module docstring)."""
    value = random.RandomPassword(name, password, opts=opts)
    secret = aws.secretsmanager.Secret(
        name,
        aws.secretsmanager.SecretArgs(
            description=description, recovery_window_in_days=recovery_window_days
        ),
        opts=opts,
    )
    aws.secretsmanager.SecretVersion(
        name,
        aws.secretsmanager.SecretVersionArgs(
            secret_id=secret.id, secret_string=pulumi.Output.secret(value.result)
        ),
        opts=opts,
    )
    return value, secret
