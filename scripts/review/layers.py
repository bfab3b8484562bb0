"""The Parameters and Secrets extension layer must match the function's region and architecture."""

from __future__ import annotations

from typing import Any

from scripts.review.model import Risk
from scripts.review.plan import region_of

LAYER_NAME = ":layer:AWS-Parameters-and-Secrets-Lambda-Extension"


def layer_risks(plan: dict[str, Any], rc: dict[str, Any]) -> list[Risk]:
    """An AWS extension layer from another region, or of the other architecture."""
    change = rc["change"]
    if rc["type"] != "aws_lambda_function" or not ("create" in change["actions"] or change["actions"] == ["update"]):
        return []
    after = change.get("after") or {}
    region, architectures, risks = region_of(plan, after), after.get("architectures") or [], []
    for layer in after.get("layers") or []:
        if not isinstance(layer, str) or LAYER_NAME not in layer:
            continue
        parts = layer.split(":")
        if region and parts[3] != region:
            risks.append(Risk("high", rc["address"], "extension layer from another region", f"{layer} on a function in {region}"))
        if architectures and parts[6].endswith("-Arm64") != ("arm64" in architectures):
            risks.append(
                Risk(
                    "high",
                    rc["address"],
                    "extension layer of the wrong architecture",
                    f"{parts[6]} on a {architectures[0]} function",
                )
            )
    return risks
