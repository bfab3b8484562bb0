"""Check the real-AWS roots, the modules, the stack and the examples against the hashicorp/aws
6.69.1 schema, offline: `terraform init`, `validate` and `plan` of each, with a schema-serving
stand-in for the provider, then the plan review of the dev plan.

    python -m scripts.schema_check               run the check (make lint runs it too)
    python -m scripts.schema_check --regenerate  rebuild the committed schema file (and the
                                                 tfplugin6 descriptor) from the pinned wheels,
                                                 then run the check

The result is checked against the hashicorp/aws 6.69.1 schema rebuilt from generated
bindings, not against the provider itself: value lists, conflicting arguments and
replacement rules are the real provider's logic and are not checked (docs/schema-check.md).
Exit status 0 when every check passes, 2 otherwise.
"""

from __future__ import annotations

import argparse
import textwrap
import time

from scripts.common import UserError, run_main, say, step
from scripts.schema_check import CAVEAT


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.schema_check", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--regenerate", action="store_true", help="rebuild the schema file from the pinned bindings first")
    args = parser.parse_args()
    if args.regenerate:
        from scripts.schema_check import regenerate

        step("Regenerating the schema file from the pinned bindings")
        regenerate.regenerate()
        regenerate.regenerate_descriptor()
    from scripts.schema_check.check import check_all

    step("Terraform init, validate and plan against the hashicorp/aws 6.69.1 schema")
    started = time.monotonic()
    rows = check_all()
    width = max(len(name) for name, _, _ in rows)
    for name, ok, detail in rows:
        print(f"  {'PASS' if ok else 'FAIL'}  {name:<{width}}  {detail}")
    failed = sum(not ok for _, ok, _ in rows)
    print(f"\nschema check: {len(rows) - failed} of {len(rows)} passed in {time.monotonic() - started:.1f} s")
    print(textwrap.fill(f"({CAVEAT}.)", width=96))
    if failed:
        raise UserError(
            f"{failed} schema check(s) failed (details above); run terraform validate in build/schema-check/terraform/<dir>"
        )
    say("schema check: done")
    return 0


if __name__ == "__main__":
    run_main(main)
