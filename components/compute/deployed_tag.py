"""The image tag the services run, kept in Parameter Store where CI writes it (not in config).

Why not a configuration key: `pulumi up --config imageTag=<sha>` (and `pulumi config set`) save the
value into Pulumi.<stack>.yaml (Pulumi docs, `pulumi up` option `--config`: "Config to use during
the update and save to the stack config file"). A later plain `pulumi up` from a laptop whose copy
of that file holds an older tag, or none, would roll production back or park it. So the tag lives
in one place per stack that only a deploy changes, and `imageTag` in config is refused
(components/config/reader.py, `image_tag_refusal`).

With `images: registry` this creates one resource and makes one read:

- the String parameter `/<project>/<stack>/release/image-tag` (`Naming.image_tag_parameter`:
  under the stack's parameter path, which the deploy role and the permissions boundary are
  scoped to; standard tier). The stack owns it, so `pulumi destroy` deletes it and the next
  `pulumi up` starts parked again (a new registry has no images). CI owns its value:
  `ignore_changes=["insecureValue"]`, and `overwrite=True` with the value just read as the
  initial value, so creating it never fails on (or changes) a parameter CI wrote first (a stack
  older than this parameter; the provider's create is PutParameter with Overwrite only when
  `overwrite` is set: aws-facts#ssm-parameter-overwrite).
  Its other inputs must never change: an update of the resource is PutParameter with the value
  stored in the state, which would undo CI's last write (tests pin the inputs). A fixed name:
  `delete_before_replace`.
- at program time (`pulumi up` and `pulumi preview`), `ssm:GetParametersByPath` on
  `/<project>/<stack>/release` through the stack's provider. Unlike GetParameter, a path with
  nothing under it is an empty answer, not an error, so the first `up` (no parameter yet) works;
  IAM authorizes that call on the path, and only this parameter lives under it (AWS Systems
  Manager user guide, "How Parameter Store authorizes parameter retrieval"; aws-facts#ssm-by-path).

What the value means (`resolve`):
- a Docker tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`, not `latest`: the repositories' tags are
  immutable): the api and web images with that tag are deployed. A new tag gives new task
  definition revisions, so the release steps run again (static files of the new web image, the
  migration task with the new api image; components/compute/release.py), then the services roll;
- no parameter, or `none` (`NOT_DEPLOYED`, what the program writes when it creates the
  parameter): parked, every service at 0 tasks, with a notice saying how to deploy;
- anything else: refused before any resource exists, naming the parameter, the value and what
  is allowed (`ImageTagError`).

With `images: build`, `pulumi up` tags the images it builds itself: no parameter, no read.

Cost: free (a standard parameter has no monthly charge; one API call per `up`/`preview`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pulumi.errors import RunError

from components.config.values import IMAGE_TAG_RE
from components.kit.naming import Naming

NOT_DEPLOYED = "none"  # the parameter's value until CI writes a tag: the services stay parked
PARAMETER_DESCRIPTION = (
    "The image tag (git SHA) the api and web services run. CI writes it after pushing the "
    f"images (deploy.yml, rollback.yml); '{NOT_DEPLOYED}' = nothing deployed, services parked."
)


class ImageTagError(RunError):
    """The stack's image tag parameter holds a value that names no image (a RunError: the
    language host prints the message alone, without a traceback)."""


@dataclass(frozen=True)
class DeployedTag:
    """What the stack's parameter says: the tag to deploy (None: parked) and why."""

    parameter: str
    raw: str | None  # the parameter's value; None when there is no parameter yet
    tag: str | None

    @property
    def notice(self) -> str | None:
        """The line `pulumi up` prints when the services are parked (None when they run)."""
        if self.tag is not None:
            return None
        why = (
            "does not exist yet"
            if self.raw is None
            else f"says {NOT_DEPLOYED!r} (nothing deployed yet)"
        )
        return (
            f"the image tag parameter {self.parameter} {why}: the services are created with 0 "
            "tasks (parked). The deploy workflow pushes the images and writes their tag there "
            "(docs/ci.md, Releases and rollbacks)"
        )


def resolve(parameter: str, raw: str | None) -> DeployedTag:
    """The tag in `raw` (the parameter's value, None when missing), or ImageTagError."""
    if raw is None or raw == NOT_DEPLOYED:
        return DeployedTag(parameter, raw, None)
    if raw == "latest" or not IMAGE_TAG_RE.match(raw):
        raise ImageTagError(
            f"the image tag parameter {parameter} = {raw!r} names no image; allowed: a Docker "
            "tag that names one build, such as the git SHA ([A-Za-z0-9_.-], up to 128 "
            f"characters, not 'latest': the tags are immutable), or {NOT_DEPLOYED!r} to park "
            "the services. Write it with `aws ssm put-parameter --overwrite --type String "
            f"--name {parameter} --value <tag>`"
        )
    return DeployedTag(parameter, raw, raw)


def read_deployed_tag(naming: Naming, provider: aws.Provider) -> DeployedTag:
    """Read the stack's image tag parameter now (a synchronous invoke, before any resource)."""
    found = aws.ssm.get_parameters_by_path(
        path=naming.release_path,
        recursive=False,
        with_decryption=False,  # a String parameter: nothing to decrypt, no KMS call
        opts=pulumi.InvokeOptions(provider=provider),
    )
    values = dict(zip(found.names or [], found.values or [], strict=False))
    return resolve(naming.image_tag_parameter, values.get(naming.image_tag_parameter))


def tag_parameter(
    name: str, deployed: DeployedTag, opts: pulumi.ResourceOptions
) -> aws.ssm.Parameter:
    """The stack's image tag parameter (see the module docstring): created with what was read,
    its value CI's from then on."""
    return aws.ssm.Parameter(
        name,
        aws.ssm.ParameterArgs(
            name=deployed.parameter,
            type="String",
            tier="Standard",
            description=PARAMETER_DESCRIPTION,
            insecure_value=deployed.raw or NOT_DEPLOYED,  # a String: not a Pulumi secret
            overwrite=True,
        ),
        opts=pulumi.ResourceOptions.merge(
            opts,
            # a fixed name: a replacement must delete the old one first (it never happens:
            # name and type are constant; the value read is then written again)
            pulumi.ResourceOptions(ignore_changes=["insecureValue"], delete_before_replace=True),
        ),
    )
