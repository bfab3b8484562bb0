"""READ002: a read an app's function declares (its manifest) is no longer allowed after the change."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.access import analyse, describe
from scripts.review.model import Risk, Severity
from scripts.review.rule import PlanRule
from scripts.review.view import PlanView


class DeclaredReadLost(PlanRule):
    id = "READ002"
    title = "access: a declared read is no longer allowed"
    severity = Severity.HIGH
    severity_note = "medium when allowed only under a condition known at request time, so not proved"
    why = "the function fails every request that needs the item once this is applied (the smoke test would fail)"

    def scan(self, view: PlanView) -> Iterator[Risk]:
        analysis = analyse(view)
        before = {(d.reader, d.item) for d in analysis.declared["before"]}
        for read in analysis.declared["after"]:
            reader, item = analysis.readers[read.reader], analysis.items[read.item]
            cell = analysis.cells["after"].get((read.reader, read.item))
            if cell is not None and cell.level == "reads":
                continue
            reader_state, item_state = reader.sides["after"], item.sides["after"]
            if item_state is None or reader_state.unknown or item_state.unknown:
                continue  # a policy the plan cannot say could grant it (POL010, POL014 report those)
            was = analysis.cells["before"].get((read.reader, read.item))
            if (read.reader, read.item) in before and (was is None or was.level != "reads"):
                continue  # it did not read before either: not this change's doing
            if cell is not None:
                detail = f"{reader.label} may read {describe(item)} only {cell.note}: not proved, {self.why}"
                yield self.risk(item.address, detail, Severity.MEDIUM)
            else:
                yield self.risk(
                    item.address, f"{reader.label}, the role of {read.function}, cannot read {describe(item)}: {self.why}"
                )
