"""scripts/aws_errors.py through AwsTarget: each AWS-path failure named by its real cause.

Every failure is made by the SDK itself: an empty credential chain, an endpoint on a
closed port, a local HTTP endpoint that answers as STS or S3 would (parsed by botocore),
or botocore's Stubber. No test compares the SDK's own messages.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from scripts import aws_errors, targets
from scripts.aws_errors import AwsProblem
from tests.conftest import free_port

EXAMPLE = targets.AWS_ROOT / "dev.backend.hcl.example"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
IDENTITY = (
    f'<GetCallerIdentityResponse xmlns="{STS_NS}"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn>'
    "<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
)


def sts_error(code: str, message: str) -> str:
    return (
        f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>'
        "</Error><RequestId>r</RequestId></ErrorResponse>"
    )


class FakeAws:
    """A local HTTP endpoint: POST answers as STS (`sts`), HEAD as S3 HeadBucket (`head_status`); counts requests."""

    def __init__(self) -> None:
        self.sts: tuple[int, str] = (200, IDENTITY)
        self.head_status = 200
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append(f"POST {self.path}")
                status, body = fake.sts
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def do_HEAD(self) -> None:  # noqa: N802
                fake.requests.append(f"HEAD {self.path}")
                self.send_response(fake.head_status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def fake_aws() -> Iterator[FakeAws]:
    fake = FakeAws()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def aws_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An AWS root with dev.tfvars and the example backend file, and an environment with no AWS settings at all."""
    root = tmp_path / "aws"
    root.mkdir()
    (root / "dev.tfvars").write_text('region = "us-east-1"\napp    = "demo"\n')
    shutil.copy(EXAMPLE, root / EXAMPLE.name)
    monkeypatch.setattr(targets, "AWS_ROOT", root)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # it keeps the credentials it found first; a command has one
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return root


def with_backend(root: Path, bucket: str = "acme-terraform-state") -> None:
    (root / "dev.backend.hcl").write_text(EXAMPLE.read_text().replace("my-terraform-state-bucket", bucket))


def with_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret-key-just-for-the-signature")


def problem_of(target: targets.AwsTarget) -> AwsProblem:
    with pytest.raises(AwsProblem) as caught:
        target.workspace()
    assert "\n" not in str(caught.value)
    return caught.value


def test_a_missing_backend_file_is_named_before_any_network_call(
    aws_root: Path, fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No <env>.backend.hcl: the line says so and how to make it; AWS is never asked."""
    with_keys(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake_aws.url)
    problem = problem_of(targets.AwsTarget("dev"))
    assert problem.cause == "backend_missing" and "copy dev.backend.hcl.example" in str(problem)
    assert fake_aws.requests == []


def test_the_example_bucket_left_in_the_backend_file_is_caught_offline(
    aws_root: Path, fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copied but unedited backend file names the example's bucket: refused before any request."""
    with_keys(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake_aws.url)
    shutil.copy(EXAMPLE, aws_root / "dev.backend.hcl")
    problem = problem_of(targets.AwsTarget("dev"))
    assert problem.cause == "backend_example" and "my-terraform-state-bucket" in str(problem)
    with_backend(aws_root, "Not_A_Bucket")
    assert problem_of(targets.AwsTarget("dev")).cause == "backend_invalid"
    assert fake_aws.requests == []


def test_an_unreachable_endpoint_is_not_called_a_credentials_problem(aws_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials set, AWS on a closed port: "did not answer", quickly, and the credentials are not blamed."""
    with_keys(monkeypatch)
    with_backend(aws_root)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    problem = problem_of(targets.AwsTarget("dev"))
    assert problem.cause == "unreachable" and "credentials were not checked" in str(problem)
    assert time.monotonic() - started < 20


def test_an_empty_credential_chain_is_no_credentials(aws_root: Path, fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in the SDK's chain: "no AWS credentials", before any request is sent."""
    with_backend(aws_root)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake_aws.url)
    problem = problem_of(targets.AwsTarget("dev"))
    assert problem.cause == "no_credentials" and "AWS_PROFILE" in str(problem)
    assert fake_aws.requests == []
    monkeypatch.setenv("AWS_PROFILE", "nobody")
    assert problem_of(targets.AwsTarget("dev")).cause == "no_credentials"


@pytest.mark.parametrize(
    ("code", "cause"),
    [("ExpiredToken", "expired"), ("InvalidClientTokenId", "rejected"), ("SignatureDoesNotMatch", "rejected")],
)
def test_sts_answers_name_expired_and_rejected_credentials(
    aws_root: Path, fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch, code: str, cause: str
) -> None:
    """STS's own error answer (as botocore parses it off the wire) decides: expired or rejected keys."""
    with_keys(monkeypatch)
    with_backend(aws_root)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake_aws.url)
    fake_aws.sts = (403, sts_error(code, "The security token included in the request is invalid"))
    problem = problem_of(targets.AwsTarget("dev"))
    assert problem.cause == cause and code in str(problem)
    assert fake_aws.requests == ["POST /"]  # one answer is enough: an error answer is not retried


@pytest.mark.parametrize(("status", "cause"), [(403, "access_denied"), (404, "bucket_missing")])
def test_the_state_bucket_is_checked_after_the_credentials(
    aws_root: Path, fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch, status: int, cause: str
) -> None:
    """Working credentials, then HeadBucket: 403 is access denied on the bucket, 404 a bucket that does not exist."""
    with_keys(monkeypatch)
    with_backend(aws_root)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake_aws.url)
    fake_aws.head_status = status
    problem = problem_of(targets.AwsTarget("dev"))
    assert problem.cause == cause and "acme-terraform-state" in str(problem)
    assert fake_aws.requests[0] == "POST /" and fake_aws.requests[-1].startswith("HEAD ")


def test_a_working_path_reaches_terraform(aws_root: Path, fake_aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Backend file, credentials and bucket all good: the workspace is made (no false alarm)."""
    with_keys(monkeypatch)
    with_backend(aws_root)
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake_aws.url)
    workspace = targets.AwsTarget("dev").workspace()
    assert workspace.init_args == (f"-backend-config={aws_root / 'dev.backend.hcl'}",)


def stubbed(service: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, Stubber]:
    with_keys(monkeypatch)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    client = aws_errors.client(service, "us-east-1", "dev")
    return client, Stubber(client)


@pytest.mark.parametrize(
    ("code", "status", "cause"),
    [
        ("AccessDeniedException", 400, "access_denied"),
        ("ExpiredTokenException", 400, "expired"),
        ("UnrecognizedClientException", 400, "rejected"),
    ],
)
def test_any_call_through_the_targets_clients_names_the_cause(
    monkeypatch: pytest.MonkeyPatch, code: str, status: int, cause: str
) -> None:
    """A refusal in the middle of a command (here ssm:PutParameter) is classified too, with the IAM action."""
    client, stub = stubbed("ssm", monkeypatch)
    stub.add_client_error(
        "put_parameter", service_error_code=code, http_status_code=status, service_message="User: x is not authorized"
    )
    with stub, pytest.raises(AwsProblem) as caught:
        client.put_parameter(Name="/dev/demo/secrets/x", Value="v", Type="SecureString")  # type: ignore[attr-defined]
    assert caught.value.cause == cause and "ssm:PutParameter" in str(caught.value)


def test_other_service_errors_stay_for_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """ParameterNotFound is the caller's business (put-secret creates the parameter): not turned into a problem."""
    client, stub = stubbed("ssm", monkeypatch)
    stub.add_client_error("get_parameter", service_error_code="ParameterNotFound", http_status_code=400)
    with stub, pytest.raises(ClientError) as caught:
        client.get_parameter(Name="/dev/demo/config/x")  # type: ignore[attr-defined]
    assert not isinstance(caught.value, AwsProblem)


def test_caller_account_classifies_what_sts_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """caller_account through a stubbed STS client: expired, and the account when STS answers."""
    with_keys(monkeypatch)
    sts = boto3.client("sts", region_name="us-east-1")
    with Stubber(sts) as stub:
        stub.add_client_error("get_caller_identity", service_error_code="ExpiredToken", http_status_code=403)
        with pytest.raises(AwsProblem) as caught:
            aws_errors.caller_account(sts, "dev")
        assert caught.value.cause == "expired"
        stub.add_response("get_caller_identity", {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/x"})
        assert aws_errors.caller_account(sts, "dev") == "123456789012"


def test_the_closed_port_really_is_closed() -> None:
    """The unreachable test's premise: nothing answers on a fresh free_port()."""
    with socket.socket() as sock, pytest.raises(OSError):
        sock.settimeout(2)
        sock.connect(("127.0.0.1", free_port()))
