"""The orders app: an example of your own app's code, deployed by the kit beside the demo.

Its folder is apps/orders (the default source of an app named orders). make package adds the
kit's client (secrets_client.py) and smoke probe (smoke_probe.py) beside this file in the
app's zip, unless the folder has its own copies. Names are relative to the app: the stack sets
SECRETS_CLIENT_PREFIX to /<env>/orders, so the same code runs in every environment.
"""

from __future__ import annotations

import secrets_client
import smoke_probe


@smoke_probe.answers  # one line: make smoke's probe is answered by the kit, every other event by the code below
def handler(event: dict | None, context: object) -> dict:
    """Accept a batch of orders: sign each with the app's signing key, name the queue it goes to."""
    import hashlib
    import hmac

    signing_key = secrets_client.get_parameter("secrets/signing_key")  # a SecureString, decrypted
    queue_url = secrets_client.get_parameter("config/queue_url")
    orders = (event or {}).get("orders", [])
    signatures = [hmac.new(signing_key.encode(), str(order).encode(), hashlib.sha256).hexdigest()[:16] for order in orders]
    return {"accepted": len(orders), "queue": queue_url.rsplit("/", 1)[-1], "signatures": signatures}
