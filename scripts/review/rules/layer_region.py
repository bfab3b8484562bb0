"""LAYER001: extension layer from another region (the AWS Parameters and Secrets Lambda Extension)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView

LAYER_NAME = ":layer:AWS-Parameters-and-Secrets-Lambda-Extension"


class LayerRegion(ResourceRule):
    id = "LAYER001"
    title = "extension layer from another region"
    severity = Severity.HIGH
    why = "Lambda refuses a layer from another region"
    previous_ids = ("extension-layer-from-another-region",)
    types = frozenset({"aws_lambda_function"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not (change.creates or change.updates):
            return
        after = change.after
        region = view.region(after)
        for layer in after.get("layers") or []:
            if not isinstance(layer, str) or LAYER_NAME not in layer:
                continue
            parts = layer.split(":")
            if region and parts[3] != region:
                yield self.risk(change.address, f"{layer} on a function in {region}: {self.why}")
