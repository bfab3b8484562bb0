"""ROT001: a change raises how long a function may serve a rotated secret's previous value (its staleness budget)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review import staleness
from scripts.review.model import Risk, Severity
from scripts.review.rule import PlanRule
from scripts.review.view import PlanView


class StalenessRises(PlanRule):
    id = "ROT001"
    title = "staleness budget rises"
    severity = Severity.LOW
    why = "after a rotation, a function may serve the previous value longer (client TTL, extension TTL, cache, backend)"
    previous_ids = ("staleness-budget-rises",)

    def scan(self, view: PlanView) -> Iterator[Risk]:
        for old, new in staleness.rises(view.plan):
            yield self.risk(
                new.address,
                f"from {old.on_demand:.0f} s to {new.on_demand:.0f} s: {new.secret} in {new.function} may serve its "
                f"previous value for up to {new.on_demand:.0f} s after a rotation (after a scheduled one "
                f"{new.scheduled:.0f} s, was {old.scheduled:.0f} s): {new.basis}, was {old.basis}",
            )
