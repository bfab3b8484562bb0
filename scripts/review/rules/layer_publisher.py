"""LAYER003: a layer named like AWS's Parameters and Secrets extension, from an account that does not publish it, attached."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import cache

from scripts.common import ROOT
from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView

LAYER_NAME = ":layer:AWS-Parameters-and-Secrets-Lambda-Extension"
PUBLISHERS = ROOT / "terraform/modules/function/extension-layers.csv"  # AWS's table of layer ARNs, kept as data once


@cache
def publishers() -> dict[str, str]:
    """Region -> the account that publishes the extension there."""
    with PUBLISHERS.open() as handle:
        return {row["region"]: row["account"] for row in csv.DictReader(handle)}


class LayerPublisher(ResourceRule):
    id = "LAYER003"
    title = "extension layer from an unknown publisher"
    severity = Severity.HIGH
    why = (
        "a layer runs inside the function and sees every secret it reads; AWS publishes the extension from one account per region"
    )
    types = frozenset({"aws_lambda_function"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not (change.creates or change.updates):
            return
        before = set(change.before.get("layers") or [])
        for layer in change.after.get("layers") or []:
            if not isinstance(layer, str) or LAYER_NAME not in layer or layer in before:
                continue  # not the extension, or attached before this change
            parts = layer.split(":")
            expected = publishers().get(parts[3])
            if parts[4] != expected:
                known = f"AWS publishes it from {expected} in {parts[3]}" if expected else f"AWS lists no layer in {parts[3]}"
                yield self.risk(change.address, f"{layer}: {known}: {self.why}")
