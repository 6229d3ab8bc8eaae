"""UserPool: who may sign in to the app, as an Amazon Cognito user pool and one app client.

Creates:
1. a Cognito user pool (`<project>-<stack>-users`, plan Essentials, AWS's default for a new
   pool) where a user signs in with an email address (the username is the email); Cognito
   verifies the address by sending a code from its own sender (`COGNITO_DEFAULT`: a small daily
   quota, aws-facts#cognito-email); a password policy (12 characters, lower, upper, digit); a
   forgotten password is recovered by email only; with `totp_mfa`, MFA is optional and users may
   add an authenticator app (TOTP); without `self_sign_up` only an administrator creates users
   (`aws cognito-idp admin-create-user`); with `deletion_protection`, Cognito's own deletion
   protection (DeleteUserPool fails until it is turned off) and Pulumi `protect`;
2. an app client for the web's server, with no client secret (the web calls InitiateAuth from
   its server with USER_PASSWORD_AUTH, and refreshes with the refresh token; nothing secret has
   to reach a task), token revocation on, and "user not found" answered like a wrong password
   (prevent user existence errors), so sign-in does not reveal which emails have accounts.
   Access and ID tokens last an hour, refresh tokens `refresh_token_days`.

The services get the issuer, the client id and the JWKS URL through `link()` (app/contract.json:
a workload that `uses` auth); the API verifies access tokens against them. A workload that
`uses` signIn (the web) gets the client id and the issuer through `sign_in_link()`: it calls
InitiateAuth at the issuer's origin, the pool's regional cognito-idp endpoint; with
`self_sign_up` it also gets `SELF_SIGN_UP=true` and offers Cognito's SignUp; with `totp_mfa`
it gets `MFA=optional` and offers to set up an authenticator app.

Inputs (UserPoolArgs, defaults in brackets): pool_name, region, self_sign_up [False], totp_mfa
[False], deletion_protection [False], refresh_token_days [30].

Cost: nothing at idle: Cognito bills monthly active users (MAU), and the Essentials plan
includes 10,000 MAU a month per account, then `cognito.essentials.mau` (prices/prices.yaml,
from a transcription of AWS's Cognito pricing page: its `cognito` source). Email from Cognito's
own sender is free; SES or SMS would bill by those services.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config.app_contract import MFA_ENV, MFA_OPTIONAL, SELF_SIGN_UP_ENV
from components.kit.component import Component, ComponentArgs
from components.kit.links import Link

TIER = "ESSENTIALS"
MIN_PASSWORD_LENGTH = 12
AUTH_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


@dataclass(frozen=True)
class UserPoolArgs(ComponentArgs):
    pool_name: str
    """Required: the pool's name, `<project>-<stack>-users`."""
    region: str
    """Required: the pool's region (its issuer is `https://cognito-idp.<region>.amazonaws.com/
    <pool id>`)."""
    self_sign_up: bool = False
    """Anyone may create an account (Cognito's SignUp); off: only administrators create users.
    Cost: each user who signs in in a month is one MAU."""
    totp_mfa: bool = False
    """Optional MFA with an authenticator app (TOTP); free."""
    deletion_protection: bool = False
    """Cognito deletion protection (ACTIVE) and Pulumi `protect`: `destroy` keeps the users."""
    refresh_token_days: int = 30
    """Days a refresh token (the web's session) stays valid; 1-3650."""


class UserPool(Component):
    """A Cognito user pool with email sign-in and one public app client."""

    pool: aws.cognito.UserPool
    client: aws.cognito.UserPoolClient
    user_pool_id: pulumi.Output[str]
    client_id: pulumi.Output[str]
    issuer: pulumi.Output[str]
    jwks_url: pulumi.Output[str]

    def __init__(
        self, name: str, args: UserPoolArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:security:UserPool", name, args.transform, opts)
        self.args = args
        self.pool = self._create_pool()
        self.client = self._create_client()
        self.user_pool_id = self.pool.id
        self.client_id = self.client.id
        # The issuer (`iss`) of every token the pool signs, and where its keys are published
        # (aws-facts#cognito-tokens).
        self.issuer = pulumi.Output.concat(
            f"https://cognito-idp.{args.region}.amazonaws.com/", self.pool.id
        )
        self.jwks_url = pulumi.Output.concat(self.issuer, "/.well-known/jwks.json")
        self._finish(
            {
                "userPoolId": self.user_pool_id,
                "clientId": self.client_id,
                "issuer": self.issuer,
                "jwksUrl": self.jwks_url,
            }
        )

    def exports(self) -> dict[str, object]:
        """Its stack outputs: the pool, the app client, the issuer and the key set's URL."""
        return {
            "userPoolId": self.user_pool_id,
            "userPoolClientId": self.client_id,
            "authIssuer": self.issuer,
            "authJwksUrl": self.jwks_url,
        }

    def link(self) -> Link:
        """What a workload that uses auth gets: where to check a token and whose it must be.
        Nothing secret: the client has no secret, the key set is public."""
        return Link(
            environment={
                "USER_POOL_ISSUER": self.issuer,
                "USER_POOL_CLIENT_ID": self.client_id,
                "USER_POOL_JWKS_URL": self.jwks_url,
            }
        )

    def sign_in_link(self) -> Link:
        """What a workload that signs users in gets: the app client and the pool's issuer (its
        origin is the cognito-idp endpoint of the pool's region), and with `self_sign_up`
        `SELF_SIGN_UP=true` (the web then offers a sign-up form), and with `totp_mfa` `MFA=optional`
        (the web then offers TOTP MFA set-up). Nothing secret: the client has no secret."""
        environment: dict[str, pulumi.Input[str]] = {
            "USER_POOL_ISSUER": self.issuer,
            "USER_POOL_CLIENT_ID": self.client_id,
        }
        if self.args.self_sign_up:
            environment[SELF_SIGN_UP_ENV] = "true"
        if self.args.totp_mfa:
            environment[MFA_ENV] = MFA_OPTIONAL
        return Link(environment=environment)

    # -- steps ---------------------------------------------------------------------------------

    def _create_pool(self) -> aws.cognito.UserPool:
        args = self.args
        keep = args.deletion_protection
        mfa = (
            {
                "mfa_configuration": "OPTIONAL",
                "software_token_mfa_configuration": (
                    aws.cognito.UserPoolSoftwareTokenMfaConfigurationArgs(enabled=True)
                ),
            }
            if args.totp_mfa
            else {"mfa_configuration": "OFF"}
        )
        return aws.cognito.UserPool(
            f"{self._name}-pool",
            aws.cognito.UserPoolArgs(
                name=args.pool_name,
                user_pool_tier=TIER,
                username_attributes=["email"],
                auto_verified_attributes=["email"],
                username_configuration=aws.cognito.UserPoolUsernameConfigurationArgs(
                    case_sensitive=False
                ),
                password_policy=aws.cognito.UserPoolPasswordPolicyArgs(
                    minimum_length=MIN_PASSWORD_LENGTH,
                    require_lowercase=True,
                    require_uppercase=True,
                    require_numbers=True,
                    require_symbols=False,
                    temporary_password_validity_days=7,
                ),
                account_recovery_setting=aws.cognito.UserPoolAccountRecoverySettingArgs(
                    recovery_mechanisms=[
                        aws.cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs(
                            name="verified_email", priority=1
                        )
                    ]
                ),
                admin_create_user_config=aws.cognito.UserPoolAdminCreateUserConfigArgs(
                    allow_admin_create_user_only=not args.self_sign_up
                ),
                email_configuration=aws.cognito.UserPoolEmailConfigurationArgs(
                    email_sending_account="COGNITO_DEFAULT"
                ),
                deletion_protection="ACTIVE" if keep else "INACTIVE",
                **mfa,
            ),
            opts=self._child(protect=keep),
        )

    def _create_client(self) -> aws.cognito.UserPoolClient:
        return aws.cognito.UserPoolClient(
            f"{self._name}-web",
            aws.cognito.UserPoolClientArgs(
                name="web",
                user_pool_id=self.pool.id,
                generate_secret=False,
                explicit_auth_flows=list(AUTH_FLOWS),
                enable_token_revocation=True,
                prevent_user_existence_errors="ENABLED",
                access_token_validity=1,
                id_token_validity=1,
                refresh_token_validity=self.args.refresh_token_days,
                token_validity_units=aws.cognito.UserPoolClientTokenValidityUnitsArgs(
                    access_token="hours", id_token="hours", refresh_token="days"
                ),
            ),
            opts=self._child(),
        )
