"""Registry: one private ECR repository per container image.

Creates:
1. per image name (`api`, `web`; the worker and the migration task run the `api` image) an ECR
   repository with scan on push and immutable tags (a tag names exactly one build, so a rollback
   to a tag brings back exactly that build);
2. per repository a lifecycle policy: untagged images expire after 7 days, and only the newest
   `keep_tagged` tagged images are kept.

Inputs (RegistryArgs, defaults in brackets): name_prefix (repositories are `<prefix>/<image>`),
images [("api", "web")], keep_tagged [10], untagged_days [7], force_delete [True: `destroy`
removes repositories that still hold images; pass False with `deletionProtection`].

Cost (us-east-1, 2026-11): $0.10 per GB-month stored; a 150 MB api and 200 MB web image kept
10 times each is about 3.5 GB, $0.35 a month. Scan on push (basic scanning) is free.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

DEFAULT_IMAGES: tuple[str, ...] = ("api", "web")


@dataclass(frozen=True)
class RegistryArgs:
    name_prefix: str
    images: tuple[str, ...] = DEFAULT_IMAGES
    keep_tagged: int = 10
    untagged_days: int = 7
    force_delete: bool = True


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


class Registry(pulumi.ComponentResource):
    """ECR repositories for the app's images."""

    repositories: dict[str, aws.ecr.Repository]

    def __init__(
        self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:registry:Registry", name, None, opts)
        self._name = name
        self.args = args
        self.repositories = {image: self._create_repository(image) for image in args.images}
        self.register_outputs(
            {
                f"{image}RepositoryUrl": repo.repository_url
                for image, repo in self.repositories.items()
            }
        )

    def repository_url(self, image: str) -> pulumi.Output[str]:
        return self.repositories[image].repository_url

    def image_uri(self, image: str, tag: str) -> pulumi.Output[str]:
        """`<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`."""
        return self.repositories[image].repository_url.apply(lambda url: f"{url}:{tag}")

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
            opts=pulumi.ResourceOptions(parent=self),
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
