"""Which (resource type, attribute) holds a permissions document, derived from the hashicorp/aws 6.69.1 schema.

The list is data (policy-attributes.json beside this file), regenerated from the same
generated bindings the schema check reads (PyPI cdktn-provider-aws 25.8.1, built from
hashicorp/aws 6.69.1; docs/schema-check.md):

    python -m scripts.review --regenerate-policy-attributes

How it is derived: every string attribute of every resource type, at any block depth, is
read from the bindings (`// <name> - computed: ...` comments and their `getStringAttribute`
getters; nested blocks through their `new <Class>(this, "<name>")` references). A
*candidate* is one whose name says policy (`policy`, `*_policy`, `policy_document`,
`access_policies`, ...) or, in a type whose name says policy, one named `content`,
`document` or `statement`. Each candidate is then classified, by the rules below, as one of:

- `identity`: grants its holder actions on resources (IAM, IoT, session and RAM policies);
- `trust`: says who may assume a role;
- `resource`: says who may act on one resource (S3, SQS, secrets, ...);
- `key`: a KMS key policy (a resource policy; AWS's default delegates to IAM);
- `boundary`: bounds what others may do (Organizations SCPs and RCPs);
- `unmodelled`: grants access in a grammar this review does not read (Cedar, OpenSearch
  Serverless rules): any change to it is a finding;
- not a permissions document, with the reason (TLS policies, lifecycle rules, ...).

A candidate no rule classifies stops the regeneration: a new provider's new attribute is
looked at, never guessed.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from scripts.common import UserError

DATA_FILE = Path(__file__).with_name("policy-attributes.json")
KINDS = ("identity", "trust", "resource", "key", "boundary", "unmodelled")
GRANT_KINDS = ("identity", "trust", "resource", "key")  # analysed grant by grant

_REFERENCE = re.compile(
    r"(_arns?|_ids?|_names?|_types?|_number|_label|_version|_token|_scope|_url|_regions|_in_ms|_minutes|_seconds|_units"
    r"|_revision|_check|_configuration|_config|_details?|_compliance|_change_protection|_data)$"
)
_DOCUMENT_LEAVES = ("content", "document", "statement")

# Classification, most specific first. (type, path) -> kind, or "-" plus the reason it is not permissions.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("aws_ecr_lifecycle_policy", "policy"): "- ECR lifecycle rules (which images expire)",
    ("aws_ecr_repository_creation_template", "lifecycle_policy"): "- ECR lifecycle rules (which images expire)",
    ("aws_opensearchserverless_lifecycle_policy", "policy"): "- retention rules",
    ("aws_opensearchserverless_access_policy", "policy"): "unmodelled",  # data access rules, not IAM's grammar
    ("aws_opensearchserverless_security_policy", "policy"): "unmodelled",  # encryption or network access (AllowFromPublic)
    ("aws_cloudwatch_log_account_policy", "policy_document"): "- data protection, subscription filter or index settings",
    ("aws_cloudwatch_log_data_protection_policy", "policy_document"): "- data protection (masking) statements",
    ("aws_cloudwatch_log_index_policy", "policy_document"): "- the fields to index",
    ("aws_sns_topic_data_protection_policy", "policy"): "- data protection (masking) statements",
    ("aws_iot_policy_attachment", "policy"): "- the attached policy's name",
    ("aws_ses_receipt_filter", "policy"): "- Block or Allow for an IP range",
    ("aws_route53_traffic_policy", "document"): "- DNS traffic routing",
    ("aws_cloudformation_stack", "policy_body"): "- a stack policy: which stack updates are allowed",
    ("aws_networkmanager_core_network_policy_attachment", "policy_document"): "- network topology",
    ("aws_quicksight_data_set", "row_level_permission_data_set.permission_policy"): "- GRANT_ACCESS or DENY_ACCESS",
    (
        "aws_organizations_policy",
        "content",
    ): "boundary",  # SCPs and RCPs bound accounts; tag and backup policies hold no Statement
    ("aws_organizations_resource_policy", "content"): "resource",
    ("aws_eks_pod_identity_association", "policy"): "identity",  # a session policy
    ("aws_transfer_access", "policy"): "identity",  # a session policy
    ("aws_transfer_user", "policy"): "identity",  # a session policy
    ("aws_iot_policy", "policy"): "identity",  # attached to certificates and things
    ("aws_ram_permission", "policy_template"): "identity",  # granted to whoever the share reaches
    ("aws_bedrockagentcore_policy", "definition.cedar.statement"): "unmodelled",  # Cedar
    ("aws_verifiedpermissions_policy", "definition.static.statement"): "unmodelled",  # Cedar
    ("aws_verifiedpermissions_policy_template", "statement"): "unmodelled",  # Cedar
    ("aws_verifiedaccess_endpoint", "policy_document"): "unmodelled",  # Cedar
    ("aws_verifiedaccess_group", "policy_document"): "unmodelled",  # Cedar
}
DOCUMENT_NAMES = {
    "assume_role_policy": "trust",
    "inline_policy": "identity",
    "session_policy": "identity",
    "policy": "resource",
    "policy_document": "resource",
    "access_policies": "resource",
    "access_policy": "resource",
    "resource_policy": "resource",
    "repository_policy": "resource",
    "delivery_destination_policy": "resource",
    "kms_policy_document": "resource",
    "s3_policy_document": "resource",
    "sts_policy_document": "resource",
}
TYPE_KINDS = (("aws_iam_", "identity"), ("aws_kms_", "key"))  # a document of these types, unless a name says trust
SETTING = "- a setting named like a policy (TLS, routing, lifecycle, retry, delivery, scaling...), not a permissions document"
SETTING_NAMES = frozenset(
    """alpn_policy ssl_policy security_policy tls_policy tls_security_policy
    routing_http_response_content_security_policy_header_value dns_record_client_routing_policy
    scaling_policy_update_behavior dns_policy image_pull_policy data_deletion_policy viewer_protocol_policy
    origin_protocol_policy content_security_policy referrer_policy policy_runtime policy_text default_policy
    policy_language excess_capacity_termination_policy lifecycle_policy delete_propagation_policy padding_policy
    sizing_policy autoscaling_policy auto_import_policy snapshot_policy new_game_session_protection_policy
    game_server_protection_policy user_context_policy protocol_policy action_failure_policy stream_exception_policy
    base_policy_document routing_policy https_policy archive_policy delivery_policy filter_policy replay_policy
    redrive_policy redrive_allow_policy notification_policy browser_policy web_app_endpoint_policy""".split()
)


class DeriveError(UserError):
    """The bindings hold a candidate no rule classifies, or a form this reader does not know."""


def is_candidate(type_name: str, path: str) -> bool:
    leaf = path.rsplit(".", 1)[-1]
    if "polic" in leaf and not _REFERENCE.search(leaf):
        return True
    return "polic" in type_name and leaf in _DOCUMENT_LEAVES


def classify(type_name: str, path: str) -> str:
    """A kind (KINDS), or "- <reason>" for a candidate that is not a permissions document."""
    if (type_name, path) in EXCEPTIONS:
        return EXCEPTIONS[(type_name, path)]
    leaf = path.rsplit(".", 1)[-1]
    if leaf in SETTING_NAMES:
        return SETTING
    if DOCUMENT_NAMES.get(leaf) == "trust":
        return "trust"
    if leaf in DOCUMENT_NAMES:
        for prefix, kind in TYPE_KINDS:
            if type_name.startswith(prefix):
                return kind
        return DOCUMENT_NAMES[leaf]
    raise DeriveError(
        f"{type_name}.{path} looks like a policy but no rule classifies it: add it to EXCEPTIONS, DOCUMENT_NAMES or "
        "SETTING_NAMES in scripts/review/policy_attributes.py"
    )


# --- reading the bindings (tolerant: only string attributes and nested blocks matter) ---------------

_COMMENT = re.compile(
    r"^\s*// ([a-z0-9_]+) - computed: (?:true|false), optional: (?:true|false), required: (?:true|false)$", re.M
)
_CLASS = re.compile(r"^class (\w+) extends cdktn\.\w+ \{\n(.*?)^\}\n", re.M | re.S)
_MAIN = re.compile(r"^class (\w+) extends cdktn\.TerraformResource \{", re.M)
_TYPE = re.compile(r'tfResourceType = "([a-z0-9_]+)"')
_STRING_GETTER = re.compile(r"this\.getStringAttribute\('([a-z0-9_]+)'\)")
_NESTED = re.compile(r'new (\w+)\(this, "([a-z0-9_]+)"')


def string_attributes(source: str) -> tuple[str, list[str]]:
    """(resource type, the paths of its string attributes, nested blocks as "block.attribute") of one index.js."""
    type_match, main = _TYPE.search(source), _MAIN.search(source)
    if not type_match or not main:
        raise DeriveError("not a resource's bindings")
    bodies = {m[1]: m[2] for m in _CLASS.finditer(source)}
    found: list[str] = []

    def walk(cls: str, prefix: str, depth: int) -> None:
        body = bodies.get(cls)
        if body is None or depth > 8:
            return
        marks = list(_COMMENT.finditer(body))
        for i, mark in enumerate(marks):
            code = body[mark.end() : marks[i + 1].start() if i + 1 < len(marks) else len(body)]
            name = mark[1]
            nested = _NESTED.search(code)
            getter = _STRING_GETTER.search(code)
            if nested and nested[2] == name:
                inner = re.sub(r"(List|Map)$", "OutputReference", nested[1])
                walk(inner, f"{prefix}{name}.", depth + 1)
            elif getter and getter[1] == name:
                found.append(prefix + name)

    walk(main[1], "", 0)
    return type_match[1], found


def derive(wheel: Path, provider_version: str, rebuilt_from: str) -> dict[str, Any]:
    """The data file's content, from the bindings wheel: every candidate of every resource type, classified."""
    policies: dict[str, dict[str, str]] = {}
    not_permissions: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(wheel) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".jsii.tgz"))
        with archive.open(member) as raw, tarfile.open(fileobj=io.BufferedReader(raw), mode="r|gz") as tar:
            for entry in tar:
                if not (entry.name.startswith("package/lib/") and entry.name.endswith("/index.js")):
                    continue
                handle = tar.extractfile(entry)
                source = handle.read().decode() if handle else ""
                if "extends cdktn.TerraformResource " not in source:
                    continue
                type_name, paths = string_attributes(source)
                for path in paths:
                    if not is_candidate(type_name, path):
                        continue
                    decided = classify(type_name, path)
                    if decided.startswith("- "):
                        not_permissions.setdefault(type_name, {})[path] = decided[2:]
                    else:
                        policies.setdefault(type_name, {})[path] = decided
    unused = sorted(f"{t}.{p}" for (t, p) in EXCEPTIONS if p not in policies.get(t, {}) and p not in not_permissions.get(t, {}))
    if unused:
        raise DeriveError(f"EXCEPTIONS name attributes the bindings do not have: {', '.join(unused)}")
    return {
        "provider_version": provider_version,
        "rebuilt_from": rebuilt_from,
        "note": "derived by scripts/review/policy_attributes.py; regenerate with "
        "python -m scripts.review --regenerate-policy-attributes",
        "policies": {t: dict(sorted(p.items())) for t, p in sorted(policies.items())},
        "not_permissions": {t: dict(sorted(p.items())) for t, p in sorted(not_permissions.items())},
    }


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


# --- the data, as the review reads it ------------------------------------------------------------


@cache
def policies() -> dict[str, dict[str, str]]:
    """{resource type: {attribute path: kind}} for every attribute that holds a permissions document."""
    return json.loads(DATA_FILE.read_text())["policies"]


@cache
def not_permissions() -> dict[str, dict[str, str]]:
    """{resource type: {attribute path: reason}}: named like a policy, known not to be a permissions document."""
    return json.loads(DATA_FILE.read_text())["not_permissions"]


def known(type_name: str, path: str) -> bool:
    """True if the list says what (type, path) is, a permissions document or not."""
    return path in policies().get(type_name, {}) or path in not_permissions().get(type_name, {})
