"""The HTTP API's Lambda REQUEST authorizer: lets a request through only with the origin secret.

CloudFront adds the header `x-origin-verify` (a custom origin header) to every request it sends
to the HTTP API; this handler compares it, in constant time, with the current and the previous
secret from its environment (`ORIGIN_SECRET_CURRENT`, `ORIGIN_SECRET_PREVIOUS`: Pulumi secrets
in state, environment variables encrypted at rest by Lambda). Accepting the previous value
keeps requests flowing while a rotation reaches every CloudFront edge location
(components/ingress/http_api.py, rotation).

API Gateway sends the payload format 2.0 (header names in lower case) and expects the simple
response `{"isAuthorized": bool}`. A request without the header never gets here: the header is
the authorizer's identity source, and API Gateway answers 401 itself when it is missing.

This file is deployed as the function's code as it stands: standard library only.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from typing import Any

HEADER = "x-origin-verify"
CURRENT = "ORIGIN_SECRET_CURRENT"
PREVIOUS = "ORIGIN_SECRET_PREVIOUS"


def accepted(presented: str, secrets: Mapping[str, str]) -> bool:
    """Whether `presented` equals the current or the previous secret (constant time each)."""
    candidates = [secrets.get(CURRENT, ""), secrets.get(PREVIOUS, "")]
    found = False
    for secret in candidates:
        # Every candidate is compared, so the time taken does not tell which one matched.
        if secret and hmac.compare_digest(presented.encode(), secret.encode()):
            found = True
    return found


def handler(event: Mapping[str, Any], context: object = None) -> dict[str, bool]:
    """API Gateway's entry point: `{"isAuthorized": True}` only with a valid origin header."""
    headers = event.get("headers") or {}
    presented = next((str(v) for k, v in headers.items() if k.lower() == HEADER), "")
    return {"isAuthorized": bool(presented) and accepted(presented, os.environ)}
