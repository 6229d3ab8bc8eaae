"""A generated secret, written once: a random value kept in Secrets Manager or Parameter Store.

`generated_secret(name, password=..., description=..., recovery_window_days=..., opts=...)`
creates three resources, all named `name`:
1. `random.RandomPassword` with the `password` arguments given (length, character classes);
2. a Secrets Manager secret (`description`; `recovery_window_days`: 0 deletes at once, 7 to 30
   keeps it that long after a delete);
3. its version: the value as a plain string, marked a Pulumi secret at the point of use (the
   random provider marks `result` secret too, but saying so here keeps it secret whatever
   produced the value).
ECS injects the secret into the containers that need it (their `Link`); no plaintext anywhere.

`generated_parameter(name, parameter_name, password=..., description=..., opts=...)` keeps the
same kind of value in a Systems Manager SecureString parameter instead: standard tier, encrypted
with the account's AWS managed key `aws/ssm` (no `key_id`), its value a Pulumi secret. ECS takes
the parameter's ARN as a container secret's `valueFrom`; the execution role needs
`ssm:GetParameters` on it and, with `aws/ssm`, no KMS grant (aws-facts#ssm-securestring).
CloudFormation cannot declare a SecureString; the provider calls PutParameter directly.

Cost: one Secrets Manager secret-month each (prices/prices.yaml, `secretsmanager.secret.month`),
plus its API calls; a standard parameter is free (no monthly charge, standard throughput).
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


def generated_parameter(
    name: str,
    parameter_name: str,
    *,
    password: random.RandomPasswordArgs,
    description: str,
    opts: pulumi.ResourceOptions,
) -> tuple[random.RandomPassword, aws.ssm.Parameter]:
    """The random value and the SecureString parameter `parameter_name` that holds it."""
    value = random.RandomPassword(name, password, opts=opts)
    parameter = aws.ssm.Parameter(
        name,
        aws.ssm.ParameterArgs(
            name=parameter_name,
            type="SecureString",
            tier="Standard",
            description=description,
            value=pulumi.Output.secret(value.result),
        ),
        # the name is fixed: a replacement created first would find it taken
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True)),
    )
    return value, parameter
