"""`appSecrets` of app/contract.json: the app's own secrets, and the errors a bad one gets.

Each error names the key (`appSecrets.<NAME>...`), the value and what is allowed, before any
resource exists.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.config.app_contract import CONTRACT_PATH, ContractError, parse_contract


def contract_with(secrets: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CONTRACT_PATH.read_text())
    data["appSecrets"] = secrets
    return data


STRIPE = {"services": ["api", "worker"], "doc": "Stripe secret key (dashboard > API keys)"}


def test_a_declared_secret_goes_to_the_services_it_names_only() -> None:
    contract = parse_contract(
        contract_with({"STRIPE_API_KEY": STRIPE, "OAUTH_SECRET": {**STRIPE, "services": ["web"]}})
    )
    assert [s.name for s in contract.app_secrets_of("api")] == ["STRIPE_API_KEY"]
    assert [s.name for s in contract.app_secrets_of("worker")] == ["STRIPE_API_KEY"]
    assert [s.name for s in contract.app_secrets_of("web")] == ["OAUTH_SECRET"]
    stripe = contract.app_secrets["STRIPE_API_KEY"]
    assert stripe.optional is False and stripe.doc.startswith("Stripe")
    assert stripe.services == ("api", "worker")


def test_the_shipped_contract_declares_none_and_parses() -> None:
    assert parse_contract(json.loads(CONTRACT_PATH.read_text())).app_secrets == {}


@pytest.mark.parametrize(
    ("secrets", "expected"),
    [
        ({"stripe_key": STRIPE}, "appSecrets.stripe_key: the name 'stripe_key' is not allowed"),
        ({"1KEY": STRIPE}, "upper-case letters, digits and underscores"),
        ({"AWS_SECRET_ACCESS_KEY": STRIPE}, "'AWS_SECRET_ACCESS_KEY' is reserved"),
        ({"ECS_TOKEN": STRIPE}, "'ECS_TOKEN' is reserved"),
        ({"HOSTNAME": STRIPE}, "'HOSTNAME' is reserved"),
        ({"DB_PASSWORD": STRIPE}, "'DB_PASSWORD' is already a variable the infrastructure"),
        ({"APP_SECRET_KEY": STRIPE}, "'APP_SECRET_KEY' is already a variable"),
        ({"API_INTERNAL_URL": STRIPE}, "'API_INTERNAL_URL' is already a variable"),
        ({"ASSET_PREFIX": STRIPE}, "'ASSET_PREFIX' is already a variable"),
        ({"KEY": {**STRIPE, "services": ["billing"]}}, "appSecrets.KEY.services: ['billing']"),
        ({"KEY": {**STRIPE, "services": ["migrate"]}}, "migrate is a one-off task"),
        ({"KEY": {**STRIPE, "services": []}}, "expected a non-empty list of service names"),
        ({"KEY": {**STRIPE, "services": "api"}}, "appSecrets.KEY.services: 'api'"),
        ({"KEY": {**STRIPE, "services": ["api", "api"]}}, "names a service twice"),
        ({"KEY": {"services": ["api"]}}, "appSecrets.KEY.doc: None"),
        ({"KEY": {**STRIPE, "optional": "no"}}, "appSecrets.KEY.optional: 'no'; expected true"),
        ({"KEY": {**STRIPE, "value": "sk_live"}}, "unknown keys ['value']"),
        ({"KEY": "api"}, "appSecrets.KEY: expected an object"),
        (["KEY"], "appSecrets: expected an object"),
    ],
)
def test_a_bad_declaration_is_refused_naming_key_value_and_rule(
    secrets: Any, expected: str
) -> None:
    with pytest.raises(ContractError) as raised:
        parse_contract(contract_with(secrets))
    assert expected in str(raised.value)


def test_the_allowed_services_are_listed_in_the_error() -> None:
    with pytest.raises(ContractError, match=r"allowed: \['api', 'web', 'worker'\]"):
        parse_contract(contract_with({"KEY": {**STRIPE, "services": ["billing"]}}))
