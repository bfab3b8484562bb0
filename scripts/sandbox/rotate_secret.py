"""The sandbox's stand-in for Secrets Manager's RotateSecret: moto cannot run the rotation
function, so this plays the service's part with the deployed function run by the local runner.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.common import UserError, say

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")

InvokeStep = Callable[[dict[str, Any]], tuple[dict[str, Any] | None, Path | None]]


def rotate_secret(client: Any, invoke_step: InvokeStep, secret_id: str) -> str:
    """Run the four steps of one rotation through `invoke_step`; return the new version id."""
    token = str(uuid.uuid4())
    for name in STEPS:
        error, log_path = invoke_step({"Step": name, "SecretId": secret_id, "ClientRequestToken": token})
        if error is not None:
            raise UserError(
                f"rotation of {secret_id} failed at {name} ({error.get('errorType')}: "
                f"{error.get('errorMessage')}); see {log_path}; make rotate starts a new one"
            )
        say(f"  {secret_id}: {name} done")
    client.update_secret_version_stage(SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=token)
    return token
