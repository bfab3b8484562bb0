"""The staleness budget (scripts/review/staleness.py): the client's formula over a plan's function settings and
manifests, shown in the review, and a rise flagged.

Plans here are the plan JSON's shape, reduced to what the module reads: an app function's
environment (as module.function sets it) and the app's manifest parameter (as the stack writes it).
"""

from __future__ import annotations

import importlib
import itertools
import json

import pytest

from scripts.review import load_usage, staleness
from scripts.review.render import render_markdown, render_terminal
from scripts.review.report import review

EXTENSION_DEFAULTS = {
    "PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED": "TRUE",
    "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE": "1000",
    "SECRETS_MANAGER_TTL": "300",
}
MANIFEST = {
    "version": 1,
    "app": "demo",
    "prefix": "/dev/demo",
    "secrets": ["secrets/api_key", "secrets/db", "secrets/plain"],
    "rotation": {"secrets/api_key": {"strategy": "generated", "days": 30}, "secrets/db": {"strategy": "lambda", "days": 7}},
}


def _function(environment: dict[str, str], handler: str = "handler.handler", name: str = "dev-demo") -> dict:
    return {
        "function_name": name,
        "handler": handler,
        "environment": [{"variables": {"SECRETS_CLIENT_MANIFEST": "/dev/demo/manifest", **environment}}],
    }


def _plan(before: dict | None, after: dict | None, manifest: dict | None = MANIFEST, manifest_before: dict | None = None) -> dict:
    """A plan changing the demo app's function from `before` to `after` (None: created / destroyed)."""
    actions = ["update"] if before and after else (["create"] if after else ["delete"])
    changes = [
        {
            "address": 'module.stack["demo"].module.function.aws_lambda_function.this',
            "module_address": 'module.stack["demo"].module.function',
            "name": "this",
            "mode": "managed",
            "type": "aws_lambda_function",
            "change": {"actions": actions, "before": before, "after": after},
        }
    ]
    if manifest is not None:
        old = manifest_before if manifest_before is not None else manifest
        changes.append(
            {
                "address": 'module.stack["demo"].module.parameters.aws_ssm_parameter.plain["/dev/demo/manifest"]',
                "module_address": 'module.stack["demo"].module.parameters',
                "name": "plain",
                "index": "/dev/demo/manifest",
                "mode": "managed",
                "type": "aws_ssm_parameter",
                "change": {
                    "actions": ["no-op"] if old == manifest else ["update"],
                    "before": {"name": "/dev/demo/manifest", "insecure_value": json.dumps(old)},
                    "after": {"name": "/dev/demo/manifest", "insecure_value": json.dumps(manifest)},
                },
            }
        )
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": changes, "planned_values": {}}


def test_each_rotated_secret_gets_its_budget_at_the_defaults() -> None:
    """Client TTL 300, extension TTL 300, cache on: 600 s after make rotate, 300 s after a scheduled rotation, +60 s
    while refreshes fail (docs/client.md's table); a secret not rotated gets none."""
    found = staleness.budgets(_plan(None, _function(EXTENSION_DEFAULTS)))
    assert sorted(found) == [("dev-demo", "/dev/demo/secrets/api_key"), ("dev-demo", "/dev/demo/secrets/db")]
    api = found[("dev-demo", "/dev/demo/secrets/api_key")]
    assert (api.on_demand, api.scheduled, api.stale_if_error, api.strategy) == (600, 300, 60, "generated")
    assert "client TTL 300 s, extension TTL 300 s" in api.sentence()


@pytest.mark.parametrize(
    ("environment", "on_demand", "scheduled"),
    [
        ({"SECRETS_CLIENT_TTL": "60"}, 360, 300),
        ({"SECRETS_CLIENT_TTL": "900"}, 1200, 300),
        ({"SECRETS_MANAGER_TTL": "30"}, 60, 30),  # the client's TTL follows the extension's when SECRETS_CLIENT_TTL is unset
        ({"SECRETS_MANAGER_TTL": "0"}, 0, 0),  # 0 bypasses the extension's cache, and the client's follows
        ({"SECRETS_MANAGER_TTL": "900"}, 1200, 300),  # the extension clamps to 300; the client takes 900 as written
        ({"PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED": "false"}, 300, 0),
        ({"PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE": "0"}, 300, 0),
        ({"SECRETS_CLIENT_BACKEND": "sdk"}, 300, 60),
        ({"SECRETS_CLIENT_TTL": "soon"}, 600, 300),  # not a whole number: ignored, as the client ignores it
    ],
)
def test_the_budget_follows_the_deployed_settings(environment: dict[str, str], on_demand: float, scheduled: float) -> None:
    """Client TTL, extension TTL (clamped to 300), cache off either way, the SDK backend: each moves the figure."""
    found = staleness.budgets(_plan(None, _function({**EXTENSION_DEFAULTS, **environment})))
    api = found[("dev-demo", "/dev/demo/secrets/api_key")]
    assert (api.on_demand, api.scheduled) == (on_demand, scheduled)


def test_a_secret_newly_rotated_gets_a_note_not_a_risk() -> None:
    """Rotation turned on for a secret in this change: its figure is stated, there is nothing to compare it with."""
    before = {**MANIFEST, "rotation": {}}
    plan = _plan(_function(EXTENSION_DEFAULTS), _function(EXTENSION_DEFAULTS), MANIFEST, before)
    assert len(staleness.notes(plan)) == 2 and staleness.rises(plan) == []


def test_rotation_functions_and_unrelated_functions_are_not_readers() -> None:
    """The kit's rotation function (handler rotation.handler) and a function without the manifest variable get no budget."""
    rotation = _plan(None, _function(EXTENSION_DEFAULTS, handler="rotation.handler", name="dev-demo-rotate"))
    assert staleness.budgets(rotation) == {}
    other = _function(EXTENSION_DEFAULTS)
    other["environment"][0]["variables"].pop("SECRETS_CLIENT_MANIFEST")
    assert staleness.budgets(_plan(None, other)) == {}
    assert staleness.budgets(_plan(None, _function(EXTENSION_DEFAULTS), manifest=None)) == {}


def test_the_review_shows_the_figure_and_the_rise() -> None:
    """The hook: the notes and the risk are in the review, terminal and markdown."""
    plan = _plan(_function(EXTENSION_DEFAULTS), _function({**EXTENSION_DEFAULTS, "SECRETS_CLIENT_TTL": "900"}))
    made = review(plan, "dev", load_usage(None))
    terminal, markdown = render_terminal(made, colour=False), render_markdown(made)
    for text in (terminal, markdown):
        assert "staleness budget rises" in text and "from 600 s to 1200 s: /dev/demo/secrets/api_key in dev-demo" in text
        assert "staleness budget of /dev/demo/secrets/api_key in dev-demo: up to 1200 s" in text.replace("\n ", "").replace(
            "  ", " "
        )


def test_the_copied_formula_is_the_clients() -> None:
    """scripts/review/staleness.py copies secrets_client.worst_case_staleness: the two agree on a grid of settings.

    Skipped while lambda_src/secrets_client.py has no worst_case_staleness (the client helper's branch not merged).
    """
    client = importlib.import_module("secrets_client")
    if not hasattr(client, "worst_case_staleness"):
        pytest.skip("lambda_src/secrets_client.py has no worst_case_staleness yet (branch client): nothing to compare with")
    assert staleness.ROTATION_WINDOW_MAX_AGE == client.ROTATION_WINDOW_MAX_AGE and staleness.DEFAULT_TTL == client.DEFAULT_TTL
    assert staleness.STALE_IF_ERROR == client.STALE_IF_ERROR
    for client_ttl, extension_ttl, backend, cache, change, stale in itertools.product(
        (0, 5, 60, 300, 900), (0, 30, 300), ("extension", "sdk"), (True, False), ("any", "scheduled"), (0.0, 60.0)
    ):
        options = {"backend": backend, "extension_cache": cache, "change": change, "stale_if_error": stale}
        ours = staleness.worst_case_staleness(client_ttl, extension_ttl, **options)
        assert ours == client.worst_case_staleness(client_ttl, extension_ttl, **options), (client_ttl, extension_ttl, options)
