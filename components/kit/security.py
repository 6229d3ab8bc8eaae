"""Small builders shared by the components: IAM trust policies and bucket policy statements.

Security group pairs are made in one place, `components.kit.links.connect`.

Nothing here creates a component; each function creates or returns one piece that several
components need in the same form (and so need to get right once).
"""

from __future__ import annotations

import json
from typing import Any


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """The bucket policy statement that refuses every request made without TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def service_trust_policy(service_principal: str) -> str:
    """An IAM role trust policy that lets one AWS service (`ecs-tasks.amazonaws.com`) assume it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service_principal},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
