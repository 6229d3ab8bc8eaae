"""Registry: one private ECR repository per container image.

Creates:
1. per image name (`api`, `web`; the worker and the migration task run the `api` image) an ECR
   repository with scan on push and immutable tags (a tag names exactly one build, so a rollback
   to a tag brings back exactly that build);
2. per repository a lifecycle policy: untagged images expire after 7 days, and only the newest
   `keep_tagged` tagged images are kept;
3. only when asked (`build_image`, the `images: build` dial): an `awsx.ecr.Image` that builds the
   image from a local Dockerfile with Docker for the tasks' platform during `pulumi up` and pushes
   it, tagged by content (`content_tag`: a hash of the build context minus `.dockerignore`, the
   Dockerfile and the platform), so the same sources never push a second image under an
   immutable tag, and any change pushes a new one. `pulumi_awsx` is imported only then: the
   default path (CI pushes, the stack's image tag parameter names the tag) never loads it.

Inputs (RegistryArgs, defaults in brackets): name_prefix (repositories are `<prefix>/<image>`),
images [("api", "web")], keep_tagged [10], untagged_days [7], force_delete [True: `destroy`
removes repositories that still hold images; pass False with `deletionProtection`].

Cost: `ecr.storage.gb_month` stored; a 150 MB api and 200 MB web image kept 10 times
each is about 3.5 GB. Scan on push (basic scanning) is free. Building
costs nothing in AWS (Docker runs on the machine that runs `pulumi up`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.kit.component import Component, ComponentArgs

DEFAULT_IMAGES: tuple[str, ...] = ("api", "web")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RegistryArgs(ComponentArgs):
    name_prefix: str
    """Required: `<project>-<stack>`; repositories are `<prefix>/<image>`."""
    images: tuple[str, ...] = DEFAULT_IMAGES
    """The image names, one repository each. Cost: `ecr.storage.gb_month` stored."""
    keep_tagged: int = 10
    """Newest tagged images kept per repository; older ones expire."""
    untagged_days: int = 7
    """Days before an untagged image expires."""
    force_delete: bool = True
    """`destroy` removes repositories that still hold images; False with deletion protection."""


def lifecycle_policy(keep_tagged: int, untagged_days: int) -> str:
    """The ECR lifecycle policy document: expire untagged images, keep the last N tagged."""
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Expire untagged images after {untagged_days} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": untagged_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"Keep the newest {keep_tagged} tagged images",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": ["*"],
                        "countType": "imageCountMoreThan",
                        "countNumber": keep_tagged,
                    },
                    "action": {"type": "expire"},
                },
            ]
        }
    )


def _ignore_patterns(context: Path) -> list[tuple[re.Pattern[str], bool]]:
    """`.dockerignore` lines as (regex, excluded) pairs; the last match decides, as in Docker."""
    ignore_file = context / ".dockerignore"
    if not ignore_file.exists():
        return []
    patterns = []
    for raw_line in ignore_file.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        excluded = not line.startswith("!")
        glob = line.lstrip("!").strip("/")
        regex = "".join(
            ".*" if part == "**" else "[^/]*" if part == "*" else "[^/]" if part == "?" else
            re.escape(part)
            for part in re.split(r"(\*\*|\*|\?)", glob)
        )  # fmt: skip
        patterns.append((re.compile(f"^{regex.replace('.*/', '(?:.*/)?')}$"), excluded))
    return patterns


def _ignored(relative: str, patterns: list[tuple[re.Pattern[str], bool]]) -> bool:
    """Whether Docker leaves `relative` (or a directory above it) out of the build context."""
    parts = relative.split("/")
    ignored = False
    for regex, excluded in patterns:
        if any(regex.match("/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            ignored = excluded
    return ignored


def content_tag(context: Path, dockerfile: Path, platform: str) -> str:
    """`content-<16 hex>`: a hash of what Docker would build (the context's files minus
    `.dockerignore`, the Dockerfile) and the platform. Same sources, same tag."""
    patterns = _ignore_patterns(context)
    digest = hashlib.sha256(f"platform={platform}\n".encode())
    digest.update(b"dockerfile\0" + dockerfile.read_bytes())
    for directory, subdirs, files in os.walk(context):
        base = Path(directory).relative_to(context).as_posix()
        prefix = "" if base == "." else f"{base}/"
        subdirs[:] = sorted(d for d in subdirs if not _ignored(prefix + d, patterns))
        for file_name in sorted(files):
            relative = prefix + file_name
            if _ignored(relative, patterns):
                continue
            digest.update(relative.encode() + b"\0")
            digest.update(hashlib.sha256((context / relative).read_bytes()).digest())
    return f"content-{digest.hexdigest()[:16]}"


class Registry(Component):
    """ECR repositories for the app's images."""

    repositories: dict[str, aws.ecr.Repository]

    def __init__(
        self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:registry:Registry", name, args.transform, opts)
        self.args = args
        self.repositories = {image: self._create_repository(image) for image in args.images}
        self._finish(
            {
                f"{image}RepositoryUrl": repo.repository_url
                for image, repo in self.repositories.items()
            }
        )

    def repository_url(self, image: str) -> pulumi.Output[str]:
        return self.repositories[image].repository_url

    def images(
        self, contexts: Mapping[str, str], mode: str, tag: str | None, platform: str
    ) -> dict[str, pulumi.Output[str]]:
        """Each image's reference, by the `images` setting. `build`: `pulumi up` builds and
        pushes every image (tagged by content) with Docker, from `contexts` (image -> build
        context). `registry`: CI pushed them; `tag` names them, else `bootstrap` (the services
        are parked, 0 tasks, until CI writes a tag: components/compute/deployed_tag.py)."""
        if mode == "build":
            return {n: self.build_image(n, context, platform) for n, context in contexts.items()}
        return {n: self.image_uri(n, tag or "bootstrap") for n in contexts}

    def exports(self) -> dict[str, object]:
        """Its stack outputs: each image's repository URL."""
        return {"ecrRepositoryUrls": {k: r.repository_url for k, r in self.repositories.items()}}

    def image_uri(self, image: str, tag: str) -> pulumi.Output[str]:
        """`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`."""
        return self.repositories[image].repository_url.apply(lambda url: f"{url}:{tag}")

    def build_image(
        self, image: str, context: str, platform: str, dockerfile: str | None = None
    ) -> pulumi.Output[str]:
        """Build `image` from `context` (relative to the project root, where `pulumi up` runs)
        for `platform` during `pulumi up`, push it to its repository tagged by content, and
        return the pushed image's URI (`<repository url>@sha256:<digest>`). Needs Docker."""
        import pulumi_awsx as awsx  # only with `images: build`: keeps the default path fast

        dockerfile = dockerfile or f"{context}/Dockerfile"
        tag = content_tag(PROJECT_ROOT / context, PROJECT_ROOT / dockerfile, platform)
        built = awsx.ecr.Image(
            f"{self._name}-{image}-image",
            awsx.ecr.ImageArgs(
                repository_url=self.repositories[image].repository_url,
                context=context,
                dockerfile=dockerfile,
                platform=platform,
                image_tag=tag,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return built.image_uri

    def _create_repository(self, image: str) -> aws.ecr.Repository:
        repository = aws.ecr.Repository(
            f"{self._name}-{image}",
            aws.ecr.RepositoryArgs(
                name=f"{self.args.name_prefix}/{image}",
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                    scan_on_push=True
                ),
                encryption_configurations=[
                    aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")
                ],
                force_delete=self.args.force_delete,
            ),
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        aws.ecr.LifecyclePolicy(
            f"{self._name}-{image}-lifecycle",
            aws.ecr.LifecyclePolicyArgs(
                repository=repository.name,
                policy=lifecycle_policy(self.args.keep_tagged, self.args.untagged_days),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return repository
