"""LAYER002: extension layer of the wrong architecture (the AWS Parameters and Secrets Lambda Extension)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.model import Risk, Severity
from scripts.review.rule import ResourceRule
from scripts.review.view import Change, PlanView

LAYER_NAME = ":layer:AWS-Parameters-and-Secrets-Lambda-Extension"


class LayerArchitecture(ResourceRule):
    id = "LAYER002"
    title = "extension layer of the wrong architecture"
    severity = Severity.HIGH
    why = "the extension's binary does not run on the function's architecture"
    previous_ids = ("extension-layer-of-the-wrong-architecture",)
    types = frozenset({"aws_lambda_function"})

    def scan_change(self, change: Change, view: PlanView) -> Iterator[Risk]:
        if not (change.creates or change.updates):
            return
        after = change.after
        architectures = after.get("architectures") or []
        for layer in after.get("layers") or []:
            if not isinstance(layer, str) or LAYER_NAME not in layer:
                continue
            parts = layer.split(":")
            if architectures and parts[6].endswith("-Arm64") != ("arm64" in architectures):
                yield self.risk(change.address, f"{parts[6]} on a {architectures[0]} function: {self.why}")
