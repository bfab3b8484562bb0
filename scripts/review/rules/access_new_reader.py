"""READ001: after the change, a principal from outside an item's app can read it (scripts/review/access.py)."""

from __future__ import annotations

from collections.abc import Iterator

from scripts.review.access import Item, analyse, describe, iter_new, outside, via
from scripts.review.model import Risk, Severity
from scripts.review.rule import PlanRule, listing
from scripts.review.view import PlanView


class NewReader(PlanRule):
    id = "READ001"
    title = "access: new reader from outside the item's app"
    severity = Severity.HIGH
    severity_note = "low for an item of no app that an app's role can now read"
    why = "another app's role, another account or anyone can now read it (the reader's, the item's and the key's policies)"

    def scan(self, view: PlanView) -> Iterator[Risk]:
        analysis = analyse(view)
        found: dict[tuple[str, Severity], tuple[Item, list[str]]] = {}
        for reader, item, cell in iter_new(analysis):
            stands = outside(reader, item)
            if stands is None or (reader.key, item.key) in analysis.rotators.get("after", set()):
                continue
            severity = Severity(stands)
            text = f"{reader.label} {'can' if cell.level == 'reads' else 'may'} now read it"
            granted = via(analysis, reader.key, item.key)
            text += f", by {granted}" if granted else ""
            text += f" ({cell.note})" if cell.level == "may" else ""
            found.setdefault((item.key, severity), (item, []))[1].append(text)
        for (_, severity), (item, texts) in sorted(found.items()):
            yield self.risk(item.address, f"{describe(item)}: {listing(texts)}", severity)
