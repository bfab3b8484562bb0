"""The kit's demo handler: read the app's secrets and configuration by names relative to the app.

The stack tells every function its app's prefix (SECRETS_CLIENT_PREFIX, e.g. /prod/payments)
and manifest, so the code names its items without the environment: "secrets/api_key" is
/<env>/<app>/secrets/api_key wherever the function is deployed. The smoke test's probe
(smoke_probe.py) is answered before the handler's own code, as any app can do in one line.

Values are read inside the handler, never at import: the extension does not answer during
INIT. Nothing here returns or logs a value.
"""

from __future__ import annotations

import secrets_client
import smoke_probe

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (5-9 ms at cold start)

if TYPE_CHECKING:
    from typing import Any


@smoke_probe.answers
def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    """Read the demo's items; say what was read (names and sizes, never values)."""
    api_key = secrets_client.get_secret("secrets/api_key")
    db = secrets_client.get_secret("secrets/db", transform="json")  # a dict
    base_url = secrets_client.get_parameter("config/api_base_url")
    return {
        "function": getattr(context, "function_name", None),
        "api_key_length": len(api_key),
        "db_fields": sorted(db),
        "api_base_url": base_url,  # configuration, not a secret
    }
