"""The review three ways: terminal (100 columns), markdown for a pull request, JSON for CI.

The markdown opens with one line that says it all (worst severity, risk counts, change
counts) and carries a hidden marker so a CI job can update one comment per root in place.
Each risk is one line; long addresses are cut in the middle (infracost's 64-character rule)
with the full text in a collapsed detail. When the plan holds apps (module.stack["<app>"]),
a table gives each app's changes, risks and cost, and the risks and the changes are grouped
by app, what belongs to no app last. Nothing here sees a secret-looking value: the review is
masked when it is made, and each rendering is masked once more as a whole.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict
from typing import Any

from scripts.review.changes import KINDS
from scripts.review.model import APP_MODULE, OUTSIDE, SEVERITIES, Review, Risk, app_of

MARKER = "<!-- plan-review:{env} -->"
GITHUB_LIMIT = 65_536  # GitHub's limit on a comment body, in characters
ICON = {"high": "🔴", "medium": "🟠", "low": "🟡"}
SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "moved": "→", "imported": "<="}
VERB = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to destroy"}
ADDRESS_LIMIT = 64
WIDTH = 100
NO_APP = "(no app)"  # the group of what belongs to no app


def app_label(app: str) -> str:
    return NO_APP if app == OUTSIDE else app


def app_prefix(app: str) -> str:
    """The module address prefix of an app's resources."""
    return f'module.{APP_MODULE}["{app}"]'


def middle(text: str, limit: int = ADDRESS_LIMIT) -> str:
    """`text` cut in the middle to `limit` characters."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + "…" + text[-(limit - 1 - half) :]


def change_counts(r: Review) -> str:
    parts = [f"{r.counts[k]} {VERB[k]}" for k in VERB if r.counts[k]]
    return ", ".join(parts) if parts else "no changes"


def risk_counts(r: Review) -> str:
    counts = r.risk_counts()
    if not r.risks:
        return "no risks found"
    return ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])


def headline(r: Review) -> str:
    """The first line: worst severity, risk counts, change counts."""
    worst = r.worst()
    lead = f"{worst.upper()} risk" if worst else "OK"
    return f"{lead} · ENV={r.env}: {risk_counts(r)} · {change_counts(r)}"


def status_words(r: Review) -> str:
    if r.total == 0:
        return "nothing to apply"
    if not r.status.get("complete", True):
        return "incomplete plan: some changes are only known after a first apply"
    return "ready to apply"


# --- terminal -------------------------------------------------------------------------


def render_terminal(r: Review, colour: bool) -> str:
    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    tone = {"high": "31;1", "medium": "33", "low": "36", "create": "32", "update": "33", "replace": "35", "delete": "31"}
    lines = [paint(headline(r), "1"), f"  {status_words(r)}; {r.cost.get('headline', '')}"]
    for kind in KINDS:
        for entry in r.changes[kind]:
            line = f"  {paint(SYMBOL[kind].rjust(3), tone.get(kind, '0'))} {entry['address']}"
            if kind == "replace":
                line += f"  ({entry['order']}; forced by {', '.join(entry['forced_by']) or '?'})"
            if kind == "moved":
                line += f"  (from {entry['from']})"
            lines.append(line)
            if kind == "update":
                lines += _wrap(entry.get("attributes", [])[:8], "        ")
    for output in r.outputs:
        value = output["after"] if len(output["after"]) <= 120 else output["after"][:119] + "… (in full in the markdown)"
        lines += _wrap([f"output {output['name']} ({output['action']}): {value}"], "  ")
    if r.drift:
        lines.append(paint(f"drift: {len(r.drift)} resource(s) changed outside Terraform", "33"))
        lines += [f"  {d['address']} ({d['actions']})" for d in r.drift]
    for app, risks in _risks_by_app(r):
        if r.apps:
            lines.append(paint(f"{app_label(app)}: {len(risks)} risk(s)", "1"))
        for risk in risks:
            label = risk.severity.upper().ljust(6)
            head = _wrap([f"{label} {risk.title}: {risk.address}"], "  ")
            head[0] = head[0].replace(label, paint(label, tone[risk.severity]), 1)
            lines += head + _wrap([risk.detail], "         ")
    lines += _wrap([f"note: {n}" for n in r.notes], "  ")
    if r.scan:
        lines.append(
            f"checkov: {r.scan['passed']} passed, {len(r.scan['failed'])} failed (listed as risks), "
            f"{len(r.scan['skipped'])} skipped with a reason"
        )
    return r.mask("\n".join(lines))


def _wrap(texts: list[str], indent: str) -> list[str]:
    out = []
    for text in texts:
        out += textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False) or [
            indent
        ]
    return out


# --- markdown -------------------------------------------------------------------------


def _code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _plain(text: str) -> str:
    """Text safe on one markdown line (no HTML, no table breaks)."""
    return text.replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _risks_by_app(r: Review) -> list[tuple[str, list[Risk]]]:
    """The risks in groups: each app's (most severe first), what belongs to no app last; one group without apps."""
    if not r.apps:
        return [(OUTSIDE, r.risks)] if r.risks else []
    groups: dict[str, list[Risk]] = {}
    for risk in r.risks:
        groups.setdefault(risk.app, []).append(risk)
    return sorted(groups.items(), key=lambda kv: (kv[0] == OUTSIDE, kv[0]))


def _risk_lines(r: Review) -> list[str]:
    if not r.risks:
        return ["No risks found."]
    out: list[str] = []
    for app, risks in _risks_by_app(r):
        if r.apps:
            out += ([""] if out else []) + [f"**{_plain(app_label(app))}**", ""]
        out += _risk_group(risks)
    return out


def _risk_group(risks: list[Risk]) -> list[str]:
    out = []
    for risk in risks:
        short_detail = risk.detail if len(risk.detail) <= 160 else risk.detail[:159] + "…"
        out.append(f"- {ICON[risk.severity]} **{_plain(risk.title)}** {_code(middle(risk.address))} — {_plain(short_detail)}")
        if len(risk.address) > ADDRESS_LIMIT or short_detail != risk.detail:
            out += [
                "  <details><summary>in full</summary>",
                "",
                f"  {_code(risk.address)}: {_plain(risk.detail)}",
                "",
                "  </details>",
            ]
    return out


def _tree(r: Review) -> list[str]:
    """Changes grouped by app (when there are apps), then by module, as a tree."""
    icon = {"create": "➕", "update": "✏️", "replace": "🔁", "delete": "🗑️", "moved": "↪️", "imported": "📥"}
    modules: dict[tuple[str, str], list[str]] = {}
    for kind in KINDS:
        for entry in r.changes[kind]:
            app = app_of(entry["address"]) if r.apps else OUTSIDE
            module = entry.get("module") or "(root)"
            if app != OUTSIDE:
                module = module.removeprefix(app_prefix(app)).removeprefix(".") or "(app)"
            full = entry.get("module") or ""
            local = entry["address"].removeprefix(full + ".") if full else entry["address"]
            line = f"  - {icon[kind]} {kind} {_code(local)}"
            if kind == "replace":
                forced = ", ".join(_code(f) for f in entry["forced_by"]) or "an unknown attribute"
                line += f" — forced by {forced}; {entry['order']}"
            if kind == "moved":
                line += f" — from {_code(entry['from'])}"
            if kind == "delete" and entry.get("reason"):
                line += f" — {entry['reason']}"
            lines = [line] + [f"    - {_code(a)}" for a in entry.get("attributes", [])]
            modules.setdefault((app, module), []).extend(lines)
    out = []
    apps = sorted({app for app, _ in modules}, key=lambda a: (a == OUTSIDE, a))
    for app in apps:
        indent = ""
        if r.apps:
            out.append(f"- **{_plain(app_label(app))}**")
            indent = "  "
        for _, module in sorted((k for k in modules if k[0] == app), key=lambda k: (k[1] not in ("(root)", "(app)"), k[1])):
            out.append(f"{indent}- **{module}**")
            out += [indent + line for line in modules[(app, module)]]
    return out


def render_markdown(r: Review) -> str:
    worst = r.worst()
    out = [f"### {ICON[worst] if worst else '✅'} {headline(r)} {MARKER.format(env=r.env)}", ""]
    facts = [f"Terraform {r.terraform_version}", status_words(r), r.cost.get("headline", "")]
    if r.context.get("commit"):
        facts.append(f"commit {r.context['commit'][:12]}")
    if r.context.get("run_url"):
        facts.append(f"[CI run]({r.context['run_url']})")
    out += [" · ".join(f for f in facts if f), ""]
    out += _apps_table(r)
    out += ["#### Risks", ""]
    out += _risk_lines(r)
    if r.notes:
        out += ["", "#### Notes", ""] + [f"- {_plain(n)}" for n in r.notes]
    out += _access(r.access)
    out += ["", "#### Changes", ""]
    if r.total == 0 and not r.changes["moved"] and not r.changes["imported"]:
        out.append("No resource changes.")
    else:
        many = sum(len(v) for v in r.changes.values()) > 40
        out += [f"<details{'' if many else ' open'}><summary>{change_counts(r)}</summary>", ""] + _tree(r) + ["", "</details>"]
    documents = [(e["address"], d) for e in r.changes["create"] for d in e.get("documents", [])]
    if documents:
        out += ["", f"<details><summary>Policies of created resources ({len(documents)})</summary>", ""]
        for address, document in documents:
            out += [f"{_code(address)} {document.split(':', 1)[0]}:", "", "```json", document.split("\n", 1)[1], "```", ""]
        out.append("</details>")
    if r.outputs:
        out += ["", "#### Outputs", ""] + [f"- {_code(o['name'])} ({o['action']}): {_code(o['after'])}" for o in r.outputs]
    if r.drift:
        out += ["", "#### Drift (changed outside Terraform)", ""]
        out += [f"- {_code(d['address'])} ({d['actions']}): " + ", ".join(_code(a) for a in d["attributes"]) for d in r.drift]
    if r.scan:
        skipped = r.scan["skipped"]
        out += [
            "",
            f"<details><summary>Policy scan (checkov): {r.scan['passed']} passed, {len(r.scan['failed'])} failed "
            f"(in the risks above), {len(skipped)} skipped with a reason</summary>",
            "",
        ]
        out += [f"- {s['id']} on {_code(s['resource'])}: {_plain(s['reason'] or 'no reason given')}" for s in skipped]
        out += ["", "</details>"]
    out += _cost(r.cost)
    return r.mask("\n".join(out) + "\n")


def _apps_table(r: Review) -> list[str]:
    """One row per app: its changes, its risks, its cost before → after."""
    if not r.apps:
        return []
    out = ["| app | changes | risks | monthly cost |", "| --- | --- | --- | --: |"]
    for app, summary in r.apps.items():
        changed = ", ".join(f"{n} {VERB.get(k, k)}" for k, n in summary["changes"].items() if n) or "none"
        risks = ", ".join(f"{n} {s}" for s, n in summary["risks"].items() if n) or "none"
        money = summary["cost"]
        out.append(
            f"| {_plain(app_label(app))} | {changed} | {risks} | ${money['before_usd']:,.2f} → ${money['after_usd']:,.2f} |"
        )
    return out + [""]


ACCESS_ROWS = 60  # rows of the reader matrix shown in full; above it, only the rows whose readers change
CELL = 100  # characters in one table cell (a pull-request comment is 900 px wide)


def _access(a: dict[str, Any]) -> list[str]:
    """Who can read what, before → after, one row per secret or parameter, collapsed (scripts/review/access.py)."""
    rows = a.get("items") or []
    if not rows:
        return [line for n in a.get("notes", []) for line in ("", f"_{_plain(n)}_")]
    changed = [row for row in rows if row["new"] or row["gone"] or row["exists"]["before"] != row["exists"]["after"]]
    shown = rows if len(rows) <= ACCESS_ROWS else changed
    new = sum(1 for row in rows for reader in row["after"] if reader["reader"] in row["new"] and reader["outside"])
    readers = len(a.get("readers", []))
    items = f"{len(rows)} secrets and parameters" if len(rows) != 1 else "1 secret or parameter"
    summary = f"Who can read what: {items}, {readers} reader{'s' if readers != 1 else ''}"
    summary += f"; {new} new from outside the item's app" if new else "; no new reader from outside the item's app"
    out = [
        "",
        f"<details><summary>{summary}</summary>",
        "",
        "| app | item | readers before | readers after |",
        "| --- | --- | --- | --- |",
    ]
    for row in shown:
        kind = {"secret": "secret", "parameter": "parameter", "securestring": "SecureString"}[row["kind"]]
        declared = ", declared" if row["declared"] else ""
        item = f"{_code(middle(row['item'], 60))} {kind}{declared}"
        before = _readers(row["before"], row["gone"], "➖") if row["exists"]["before"] else "(absent)"
        after = _readers(row["after"], row["new"], "➕") if row["exists"]["after"] else "(absent)"
        out.append(f"| {_plain(app_label(row['app']))} | {item} | {before} | {after} |")
    out += [""]
    if len(shown) < len(rows):
        out += [f"{len(rows) - len(shown)} rows whose readers do not change are in the review's JSON (`access`).", ""]
    out += [
        "A read: GetSecretValue, or GetParameter(s), GetParameterHistory or GetParametersByPath above it; then kms:Decrypt "
        "through the service. ➕ ➖: readers this change adds or removes; *may*: only if a condition known at request time "
        "holds; ?: a policy the plan cannot say. Not modelled: " + ", ".join(a.get("not_modelled", [])) + ".",
        "",
        "</details>",
    ]
    return out


def _readers(readers: list[dict[str, Any]], marked: list[str], sign: str) -> str:
    """Readers of one side, the changed ones first and marked, cut to fit one narrow cell (CELL characters)."""
    ordered = sorted(readers, key=lambda r: (r["reader"] not in marked, r["reader"]))
    texts = [
        (f"**{sign} {r['reader']}**" if r["reader"] in marked else r["reader"])
        + (" *may*" if r["access"] == "may" else "")
        + ("?" if r["partial"] else "")
        for r in ordered
    ]
    if not texts:
        return "none"
    shown: list[str] = []
    for text in texts:
        if shown and len(", ".join([*shown, text])) > CELL - 14:
            break
        shown.append(text)
    rest = len(texts) - len(shown)
    return _plain(", ".join(shown) + (f", and {rest} more" if rest else ""))


def _cost(c: dict[str, Any]) -> list[str]:
    if not c:
        return []
    out = [
        "",
        f"<details><summary>Cost: {c['headline']}</summary>",
        "",
        "| item | before | after | basis |",
        "| --- | --: | --: | --- |",
    ]
    for row in c["rows"]:
        out.append(f"| {row['item']} | ${row['before_usd']:,.2f} | ${row['after_usd']:,.2f} | {_plain(row['detail'])} |")
    usage = c["usage"]
    out += [
        "",
        f"Traffic from the usage file: {usage['invocations_per_month']:,} invocations a month, "
        f"{usage['average_duration_ms']} ms each, {usage['warm_environments']} warm environments. {c['note']}.",
        "",
        "</details>",
    ]
    return out


def guard_size(markdown: str, pointer: str, limit: int = GITHUB_LIMIT) -> str:
    """`markdown` cut at a line boundary to fit `limit`, open blocks closed, ending with `pointer`."""
    if len(markdown) <= limit:
        return markdown
    tail = f"\n\n**Truncated to fit a GitHub comment ({limit:,} characters).** {pointer}\n"
    budget = limit - len(tail) - 200
    kept = markdown[:budget].rsplit("\n", 1)[0].split("\n")
    closing = []
    if sum(line.startswith("```") for line in kept) % 2:
        closing.append("```")
    opened = sum(line.lstrip().startswith("<details") for line in kept) - sum(line.strip() == "</details>" for line in kept)
    closing += ["", "</details>"] * max(0, opened)
    return "\n".join(kept + closing) + tail


# --- JSON -----------------------------------------------------------------------------


def render_json(r: Review) -> str:
    data = asdict(r)
    data["headline"], data["worst_risk"], data["total_changes"] = headline(r), r.worst(), r.total
    return r.mask(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
