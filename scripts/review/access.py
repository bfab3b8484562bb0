"""Who can read what, before and after the change: every secret and parameter, every reader, decided by scripts/iam.

The question a reviewer of a secrets change has (issue 22 item 4): after this change, who can
read which secret? `analyse(view)` answers it for both sides of the plan (prior state and
planned values), computed once per view and shared by the rules READ001 and READ002
(scripts/review/rules/) and the review's reader matrix (`Review.access`).

**Items.** Every `aws_secretsmanager_secret` and `aws_ssm_parameter` in the plan and the state
(the plan's resource changes hold both, no-op included), plus the SecureStrings each app's
manifest (`/<env>/<app>/manifest`, the SSM String the stack writes) declares and Terraform does
not manage (`make put-secret` creates them). A declared SecureString's key is its app's: the
key the stack creates, else the key its secrets use, else `apps[app].kms_key_arn`, else aws/ssm.

**Readers.** Every IAM role of the plan (each app's function role and its rotation function's,
any other), with its identity policies as planned: inline (`aws_iam_role_policy`,
`inline_policy`), attached (`aws_iam_policy` of the plan, or the few AWS managed policies in
MANAGED_POLICIES), and its permission boundary. Beside them, every principal a secret's
resource policy or a key policy names: another account (any principal there: its own policies
are that account's to set, so they are taken as allowing), a role or user of another account,
a role or user of this account that the plan does not hold, "any principal of this account"
(what a policy grants without the caller's own policy) and "anyone" (`Principal "*"`; a
principal of an account no policy names). The role of a function a secret names as its
rotation function (its `rotation_lambda_arn`, or the `lambda_arn` of its rotation in its app's
manifest) is that secret's rotator: the secret's own declaration makes the read, so READ001
does not report it as a new reader (`Analysis.rotators`).

**A read** is one request AWS would allow, decided by scripts/iam's Authorizer (policy.decide()
underneath: explicit deny, same-account either policy, cross-account both, the key policy):
- a secret: `secretsmanager:GetSecretValue` on it, with its resource policy. BatchGetSecretValue
  alone reads nothing: "you must have permissions for both secretsmanager:BatchGetSecretValue
  and secretsmanager:GetSecretValue for each secret" (Secrets Manager API reference);
- a parameter: `ssm:GetParameter`, `ssm:GetParameters` or `ssm:GetParameterHistory` on it, or
  `ssm:GetParametersByPath` on a path above it ("If a user has access to a path, then the user
  can access all levels of that path", Systems Manager user guide, "Restricting access to
  Parameter Store parameters using IAM policies");
- then, for a secret or a SecureString, `kms:Decrypt` as the service asks for it on the
  caller's behalf (Authorizer.authorize_decrypt): the key's policy from the plan (KMS's default
  key policy when it sets none), or the AWS managed key's (aws/secretsmanager, aws/ssm), which
  serves its own account only: "you can't use the AWS managed key (aws/secretsmanager) for
  cross-account access" (Secrets Manager user guide, cross-account access).

**Two bounds.** A condition whose key the plan cannot know (REQUEST_TIME: the caller's network,
organization, MFA, request parameters such as secretsmanager:VersionStage, a stand-in
reader's own identity) is evaluated twice. "reads" is the lower bound: such a key is absent,
as policy.decide() reads an absent key (AWS: "If the key ... is not present in the request
context, the values do not match"; a negated operator matches), so every Allow that needs it
fails and a Deny on a negated operator applies. "may read" is the upper bound: an Allow
condition on such a key is taken as met, a Deny that depends on one as not applying, and a
Deny the evaluator calls "undecided" (AWS documents no reading of it) as not applying.
A new reader from outside the item's app counts at "may read"; a declared read must "read".

**Unknown.** A policy Terraform shows as (known after apply) that the configuration does not
resolve (scripts/review/resolve.py), a managed policy the plan does not hold, a key the item
names that is not in the plan: the cell is computed without it and marked partial (`?`), and
READ002 does not rely on it (POL010 and POL014 report a policy known only after apply). A key not in the plan
is taken as allowing in the upper bound and as KMS's default key policy in the lower.

**Not modelled** (NOT_MODELLED, also in docs/plan-review.md): SCPs, RCPs, session policies
and VPC endpoint policies (scripts/iam does not evaluate them); KMS grants; IAM users' and
groups' own policies; service principals as callers; Secrets Manager's BlockPublicPolicy
check (a public grant is reported even though the apply would be refused); SSM parameter
sharing through RAM; replicas in other regions; who assumes a role (a role belongs to the app of
its address, whichever function uses it or whoever its trust policy lets assume it); items of
other resource types.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, cached_property
from typing import Any

from scripts.iam.authorizer import Authorizer, Key
from scripts.iam.policy import has_variable, wildcard_match
from scripts.review.model import OUTSIDE
from scripts.review.plan import as_list, environment_of
from scripts.review.resolve import UNKNOWN, UNRESOLVED, Resolver, Unknown, resolved
from scripts.review.view import Change, PlanView

SIDES = ("before", "after")
SECRET_READ = "secretsmanager:GetSecretValue"
PARAMETER_READS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParameterHistory")
BY_PATH = "ssm:GetParametersByPath"
READS = {"secret": (SECRET_READ,), "parameter": (*PARAMETER_READS, BY_PATH)}
ANYONE_ACCOUNT = "000000000000"  # the stand-in for "anyone": an account no policy names (no AWS account has this ID)
STAND_IN_ROLE = "any-principal"  # the stand-in principal of an account: any principal there
NOT_MODELLED = (  # docs/plan-review.md says each in full
    "SCPs, RCPs, session and VPC endpoint policies",
    "KMS grants",
    "users' and groups' own policies",
    "service principals as callers",
    "BlockPublicPolicy",
    "RAM shares",
    "replicas in other regions",
    "who assumes a role (a role is its address's app)",
)

# Condition keys the review sets from the plan (scripts/iam/context.py for the caller's request and
# for the decryption on its behalf; the item's tags and rotation function). Any other key is known
# only at request time.
PLAN_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:userid",
        "aws:securetransport",
        "aws:viaawsservice",
        "aws:principalisawsservice",
        "aws:requestedregion",
        "aws:currenttime",
        "aws:epochtime",
        "aws:resourceaccount",
        "kms:viaservice",
        "kms:calleraccount",
        "kms:encryptionalgorithm",
        "kms:encryptioncontextkeys",
        "secretsmanager:resource/allowrotationlambdaarn",
    }
)
PLAN_FAMILIES = (
    "aws:principaltag/",
    "aws:resourcetag/",
    "secretsmanager:resourcetag/",
    "ssm:resourcetag/",
    "kms:encryptioncontext:",
)
# What a principal outside the plan does not say about itself: its tags (a named one), also its ARN (a stand-in).
UNSAID = {
    "role": frozenset(),
    "principal": frozenset({"aws:principaltag/"}),
    "stand-in": frozenset({"aws:principalarn", "aws:userid", "aws:principaltype", "aws:principaltag/"}),
}

# AWS managed policies: the statements that can read a secret or a parameter (AWS managed policy
# reference, docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html). The Lambda and X-Ray
# ones grant logs, network interfaces and traces only. Any other AWS managed policy is not known.
EVERYTHING: list[dict[str, Any]] = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "AdministratorAccess": EVERYTHING,
    "PowerUserAccess": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}],
    "SecretsManagerReadWrite": [{"Effect": "Allow", "Action": ["secretsmanager:*"], "Resource": "*"}],
    "AmazonSSMReadOnlyAccess": [{"Effect": "Allow", "Action": ["ssm:Describe*", "ssm:Get*", "ssm:List*"], "Resource": "*"}],
    "service-role/AWSLambdaBasicExecutionRole": [],
    "service-role/AWSLambdaVPCAccessExecutionRole": [],
    "AWSXRayDaemonWriteAccess": [],
}

_ACCOUNT = re.compile(r"(?<!\d)(\d{12})(?!\d)")
_PRINCIPAL_ARN = re.compile(r"arn:aws[\w-]*:(?:iam|sts)::(\d{12}):(role|user|assumed-role)/([\w+=,.@/-]+)")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_PRINCIPAL_SENSITIVE = re.compile(
    r"(?i)aws:principal|aws:userid|aws:username|aws:sourceidentity|\$\{|:role/|:user/|:assumed-role/"
)


# --- what the analysis finds ------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One reader's access to one item on one side: "reads" (proved) or "may" (on what the plan cannot know)."""

    level: str
    note: str = ""  # for "may": what it depends on
    partial: bool = False  # a policy that could change this is not known


@dataclass
class _ReaderSide:
    arn: str
    session: str
    policies: list[tuple[str, dict[str, Any]]]  # (where it comes from, document)
    boundary: dict[str, Any] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # what could not be known (one line each)


@dataclass
class Reader:
    """A principal that may read: a role of the plan, or one a resource or key policy names (or a stand-in)."""

    key: str  # the same on both sides: the role's address, else its ARN
    label: str  # "review-billing (billing)", "account 999999999999 (any principal there)", ...
    app: str | None  # a role's app (OUTSIDE: a role of no app); None: not a role of the plan
    kind: str  # "role" | "principal" (named, not in the plan) | "account" | "this-account" | "anyone"
    user: bool = False
    sides: dict[str, _ReaderSide] = field(default_factory=dict)

    @property
    def unsaid(self) -> frozenset[str]:
        return UNSAID["role" if self.kind == "role" else "principal" if self.kind == "principal" else "stand-in"]


@dataclass
class _ItemSide:
    arn: str
    encrypted: bool
    key_id: str | None = None  # None: the AWS managed key of its service
    key_policy: Any = None  # a document; None: KMS's default key policy; UNKNOWN: not known (not in the plan)
    key_address: str = ""
    policy: Any = None  # a secret's resource policy: a document, None, or UNKNOWN
    policy_address: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    rotation: str | None = None  # a secret's rotation function ARN
    unknown: list[str] = field(default_factory=list)

    @cached_property
    def principal_sensitive(self) -> bool:
        """Whether its policies can tell principals of this account apart (a resource policy, a key policy naming one)."""
        return isinstance(self.policy, dict) or bool(_PRINCIPAL_SENSITIVE.search(json.dumps(self.key_policy, default=str)))

    @cached_property
    def fingerprint(self) -> str:
        """What decides a read of it (the memo's key): computed once, after the side is complete."""
        policies = [d if isinstance(d, dict | None) else "?" for d in (self.policy, self.key_policy)]
        facts = [self.arn, self.encrypted, self.key_id, policies, self.tags, self.rotation, bool(self.unknown)]
        return json.dumps(facts, sort_keys=True)


@dataclass
class Item:
    """A secret or parameter (kind "secret", "parameter" or "securestring") on both sides (None: absent there)."""

    key: str  # "secret:<name>" | "parameter:<name>"
    kind: str
    name: str
    app: str
    address: str  # its resource, or its app's manifest for a SecureString Terraform does not manage
    managed: bool
    sides: dict[str, _ItemSide | None] = field(default_factory=dict)

    @property
    def reads(self) -> tuple[str, ...]:
        return READS["secret" if self.kind == "secret" else "parameter"]

    @property
    def service(self) -> str:
        return "secretsmanager" if self.kind == "secret" else "ssm"


@dataclass(frozen=True)
class DeclaredRead:
    """A read a function declares: its app's manifest, its role, the item."""

    app: str
    reader: str  # Reader.key
    item: str  # Item.key
    function: str  # the function's address


@dataclass
class Analysis:
    readers: dict[str, Reader]
    items: dict[str, Item]
    cells: dict[str, dict[tuple[str, str], Cell]]  # side -> (reader key, item key) -> cell (no cell: no read)
    declared: dict[str, list[DeclaredRead]]  # side -> reads
    notes: list[str] = field(default_factory=list)
    rotators: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # side -> (reader key, item key)


def analyse(view: PlanView) -> Analysis:
    """Who can read what on both sides of the plan (computed once per view)."""
    if "access" not in view.cache:
        view.cache["access"] = _Analyser(view).run()
    return view.cache["access"]  # type: ignore[no-any-return]


# --- documents ---------------------------------------------------------------------------


def parsed(text: Any) -> dict[str, Any] | None:
    """A policy document from its JSON text (or already parsed); None when there is none."""
    if isinstance(text, dict):
        return text if "Statement" in text else None
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) and "Statement" in document else None


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def request_time(key: str, unsaid: frozenset[str] = frozenset()) -> bool:
    """True for a condition key the plan cannot know (see the module's docstring)."""
    key = key.lower()
    if key in unsaid or any(key.startswith(f) for f in unsaid if f.endswith("/")):
        return True
    return key not in PLAN_KEYS and not key.startswith(PLAN_FAMILIES)


def _late(key: str, values: Any, unsaid: frozenset[str]) -> bool:
    """A test on a request-time key, or whose value names one in a policy variable."""
    if request_time(key, unsaid):
        return True
    texts = [v for v in as_list(values) if isinstance(v, str) and has_variable(v)]
    return any(request_time(name.split(",")[0].strip(), unsaid) for text in texts for name in _VARIABLE.findall(text))


def late_keys(document: Mapping[str, Any], unsaid: frozenset[str]) -> list[str]:
    """The request-time condition keys a document tests ("aws:SourceIp (IpAddress)")."""
    found = []
    for statement in statements(document):
        condition = statement.get("Condition")
        for operator, tests in condition.items() if isinstance(condition, dict) else ():
            for key, values in tests.items() if isinstance(tests, dict) else ():
                if _late(key, values, unsaid):
                    found.append(f"{key} ({operator})")
    return found


def optimistic(document: Mapping[str, Any], unsaid: frozenset[str]) -> dict[str, Any]:
    """The upper bound's document: an Allow's tests on request-time keys met, a Deny depending on one dropped."""
    kept = []
    for statement in statements(document):
        condition = statement.get("Condition")
        if not isinstance(condition, dict) or not any(
            _late(k, v, unsaid) for tests in condition.values() if isinstance(tests, dict) for k, v in tests.items()
        ):
            kept.append(statement)
            continue
        if statement.get("Effect") == "Deny":
            continue
        narrowed = {
            operator: {k: v for k, v in tests.items() if not _late(k, v, unsaid)}
            for operator, tests in condition.items()
            if isinstance(tests, dict)
        }
        rest = {k: v for k, v in statement.items() if k != "Condition"}
        narrowed = {operator: tests for operator, tests in narrowed.items() if tests}
        kept.append({**rest, "Condition": narrowed} if narrowed else rest)
    return {**document, "Statement": kept}


def allow_only(document: Mapping[str, Any]) -> dict[str, Any]:
    return {**document, "Statement": [s for s in statements(document) if s.get("Effect") != "Deny"]}


@cache
def _relevant(pattern: str, action: str) -> bool:
    return pattern == "*" or wildcard_match(pattern, action, ignore_case=True)


@dataclass
class Reach:
    """What an Allow of some documents can reach, for a cheap filter before the evaluator.

    `actions`: the read actions an Allow names; `exact`: resources named without a wildcard or
    variable; `prefixes`: the literal beginnings of the others (a wildcard or variable only widens
    a pattern after its literal beginning; a GetParametersByPath path reaches the names below it);
    `anything`: a NotResource, a Resource not an ARN ("*"), or a resource policy's own resource.
    An item none of them reaches cannot be read through these documents.
    """

    actions: set[str] = field(default_factory=set)
    exact: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)
    anything: bool = False

    def reaches(self, arn: str) -> bool:
        return self.anything or arn in self.exact or any(arn.startswith(p) for p in self.prefixes)


def reach(documents: list[Mapping[str, Any]], actions: tuple[str, ...]) -> Reach:
    found = Reach()
    for document in documents:
        for statement in statements(document):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                named = set(actions)
            else:
                patterns = [str(a) for a in as_list(statement.get("Action"))]
                named = {a for a in actions if any(_relevant(p, a) for p in patterns)}
            if not named:
                continue
            found.actions |= named
            if "NotResource" in statement or "Resource" not in statement:
                found.anything = True
                continue
            for resource in (str(r) for r in as_list(statement.get("Resource"))):
                head = re.split(r"[*?]|\$\{", resource, maxsplit=1)[0]
                if not head.startswith("arn:"):
                    found.anything = True
                elif head != resource or BY_PATH in named:
                    found.prefixes.append(head)
                if head == resource:
                    found.exact.add(resource)
    return found


def names(document: Mapping[str, Any], item: Item, arn: str) -> bool:
    """Whether an Allow of the document names one of the item's reads on a resource that can be it."""
    return reach([document], item.reads).reaches(arn)


# --- sessions: one reader, one side, one bound ----------------------------------------------------


class _Session(Authorizer):
    """The Authorizer of one reader on one side and bound, with the item's own keys on the request.

    The item's keys (its tags, its rotation function) are context of the call on the item, not of
    the decryption KMS sees, so they are set around `authorize` only. An IAM user is its own
    principal (no role session).
    """

    def __init__(self, user_arn: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.request_keys: dict[str, Any] = {}
        self.user_arn = user_arn
        if user_arn:
            self.principal = user_arn

    def context(self, resource_account: str | None = None) -> dict[str, Any]:
        context = super().context(resource_account)
        if self.user_arn:
            context.update({"aws:PrincipalArn": self.user_arn, "aws:PrincipalType": "User", "aws:userid": "AIDAEXAMPLEUSER00000"})
        context.update(self.request_keys)
        return context


class _Evaluator:
    """One reader on one side: which items it can read (a cheap filter, then the Authorizer)."""

    def __init__(self, analyser: _Analyser, reader: Reader, state: _ReaderSide) -> None:
        self.analyser = analyser
        self.reader = reader
        self.state = state
        self.unsaid = reader.unsaid
        self.items: dict[str, _ItemSide] = {}  # by ARN, and "key:<id>" by key: what the sessions' callables look up
        self.sessions: dict[str, _Session] = {}
        documents = [d for _, d in state.policies]
        self.reach = {kind: reach(documents, actions) for kind, actions in READS.items()}
        # The memo's key: the reader's policies and tags; its ARN too where a policy could tell principals apart.
        anonymous = json.dumps(
            [reader.kind, reader.user, [d for _, d in state.policies], state.boundary, state.tags, bool(state.unknown)],
            sort_keys=True,
        )
        self.named = json.dumps([state.arn, reader.key, anonymous])
        self.fingerprint = self.named if _PRINCIPAL_SENSITIVE.search(anonymous) else anonymous
        self.own_late = [k for d in documents + ([state.boundary] if state.boundary else []) for k in late_keys(d, self.unsaid)]

    def candidate(self, item: Item, state: _ItemSide) -> bool:
        """False only when nothing can grant the read: no Allow of its own names the item, and no resource policy."""
        if isinstance(state.policy, dict):
            return True
        if self.reader.kind != "role":
            return False  # another account needs the resource policy; a principal outside the plan has only that
        return self.reach["secret" if item.kind == "secret" else "parameter"].reaches(state.arn)

    def cell(self, item: Item, state: _ItemSide) -> Cell | None:
        key = (self.named if state.principal_sensitive else self.fingerprint, state.fingerprint)
        memo = self.analyser.memo
        if key not in memo:
            memo[key] = self._cell(item, state)
        return memo[key]

    def _cell(self, item: Item, state: _ItemSide) -> Cell | None:
        partial = bool(self.state.unknown or state.unknown)
        allowed, undecided = self.reads(item, state, "lower")
        if allowed:
            return Cell("reads", partial=partial)
        late = list(self.own_late)
        for document in (state.policy, state.key_policy):
            if isinstance(document, dict):
                late += late_keys(document, self.unsaid)
        if not late and not undecided and state.key_policy is not UNKNOWN:
            return None  # the upper bound is the lower bound: nothing in these policies is known only at request time
        allowed, undecided = self.reads(item, state, "upper")
        if not allowed and undecided:
            allowed = self.reads(item, state, "allow-only")[0]
        if not allowed:
            return None
        if late:
            note = f"if {', '.join(sorted(set(late)))} allow it (known only at request time)"
        elif state.key_policy is UNKNOWN:
            note = "if the key's policy allows it (not in this plan)"
        else:
            note = "if a Deny the evaluator cannot read does not apply"
        return Cell("may", note, partial)

    def reads(self, item: Item, state: _ItemSide, bound: str) -> tuple[bool, bool]:
        """(allowed, a decision was undecided) for one bound: "lower", "upper" or "allow-only"."""
        session = self.session(bound)
        self.items[state.arn] = state
        if state.key_id:
            self.items["key:" + state.key_id] = state
        session.request_keys = _item_keys(item, state)
        undecided = False
        actions = self.reach["secret" if item.kind == "secret" else "parameter"].actions
        if isinstance(state.policy, dict):
            actions = actions | reach([state.policy], item.reads).actions
        try:
            for action, resource in _requests(item, state):
                if action not in actions:
                    continue  # no Allow names it: refused whatever else holds
                result = session.authorize(action, resource)
                undecided = undecided or result.decision == "undecided"
                if result.allowed:
                    break
            else:
                return False, undecided
        finally:
            session.request_keys = {}
        if not state.encrypted or (state.key_policy is UNKNOWN and bound != "lower"):
            return True, undecided
        result = session.authorize_decrypt(item.service, state.key_id, state.arn)  # type: ignore[arg-type]
        return result.allowed, undecided or result.decision == "undecided"

    def session(self, bound: str) -> _Session:
        if bound not in self.sessions:
            transform = self.transform(bound)
            items = self.items

            def resource_policy(arn: str) -> Mapping[str, Any] | None:
                found = items.get(arn)
                return transform(found.policy) if found is not None and isinstance(found.policy, dict) else None

            def key(key_id: str) -> Key:
                found = items.get("key:" + key_id)
                policy = found.key_policy if found is not None else None
                # Not in the plan (UNKNOWN): the lower bound takes KMS's default key policy (None).
                return Key(key_id, transform(policy) if isinstance(policy, dict) else None)

            state, now = self.state, self.analyser.now
            user = state.arn if self.reader.user else None
            self.sessions[bound] = _Session(
                user,
                role_arn=state.arn.replace(":user/", ":role/") if user else state.arn,
                session_name=state.session,
                region=self.analyser.region,
                identity_policies=[transform(d) for _, d in state.policies],
                permission_boundary=transform(state.boundary) if state.boundary else None,
                principal_tags=state.tags,
                resource_policy=resource_policy,
                key=key,
                clock=lambda: now,
            )
        return self.sessions[bound]

    def transform(self, bound: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
        unsaid = self.unsaid
        if bound == "lower":
            return dict
        if bound == "upper":
            return lambda d: optimistic(d, unsaid)
        return lambda d: allow_only(optimistic(d, unsaid))


def _requests(item: Item, state: _ItemSide) -> list[tuple[str, str]]:
    """The requests that read the item (see the module's docstring); any one allowed reads it."""
    if item.kind == "secret":
        return [(SECRET_READ, state.arn)]
    requests = [(action, state.arn) for action in PARAMETER_READS]
    head, found, name = state.arn.partition(":parameter/")
    if found:
        parts = name.split("/")
        requests += [(BY_PATH, f"{head}:parameter/{'/'.join(parts[:depth])}") for depth in range(len(parts) - 1, 0, -1)]
    return requests


def _item_keys(item: Item, state: _ItemSide) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for tag, value in state.tags.items():
        keys[f"aws:ResourceTag/{tag}"] = value
        keys[f"{item.service}:ResourceTag/{tag}"] = value
    if state.rotation:
        keys["secretsmanager:resource/AllowRotationLambdaArn"] = state.rotation
    return keys


# --- reading the plan --------------------------------------------------------------------------


class _Analyser:
    """Items, readers and declared reads from the plan; then every cell, both sides."""

    def __init__(self, view: PlanView) -> None:
        self.view = view
        self.account = view.account or ""
        self.region = view.region() or _region_of_arns(view) or "us-east-1"
        self.now = datetime.now(UTC)
        if "resolver" not in view.cache:
            view.cache["resolver"] = Resolver(view)
        self.resolver: Resolver = view.cache["resolver"]
        self.partition = self.resolver.partition
        self.by_address = {c.address: c for c in view.changes}
        self.index: dict[tuple[str, str], dict[str, Change]] = {}
        self.after: dict[str, dict[str, Any]] = {}
        self.docs: dict[str, dict[str, Any] | None] = {}
        self.memo: dict[tuple[str, str], Cell | None] = {}
        self._manifests: dict[str, list[tuple[str, Change, dict[str, str]]]] = {}

    def changes(self, type_name: str) -> list[Change]:
        return self.view.by_type.get(type_name, [])

    # values of a change on one side

    def values(self, change: Change, side: str) -> dict[str, Any] | None:
        """Its values on a side (after: identifiers AWS assigns predicted, other unknowns marked UNKNOWN)."""
        if side == "before":
            return change.change.get("before")
        if change.destroys or change.change.get("after") is None:
            return None
        if change.address not in self.after:
            self.after[change.address] = self.resolver.instance_values(change.rc)
        return self.after[change.address]

    def value(self, change: Change, side: str, attribute: str) -> Any:
        """An argument on a side; after apply, an unknown one is resolved from the configuration, else UNKNOWN.

        An unknown the configuration does not set is a computed default: None.
        """
        values = self.values(change, side)
        if values is None:
            return None
        if side == "after" and change.after_unknown.get(attribute) is True:
            if not change.unknown(attribute):
                return None
            found = resolved(self.view, change, attribute)
            return UNKNOWN if found is UNRESOLVED else found
        return values.get(attribute)

    def document(self, change: Change, side: str, attribute: str) -> Any:
        """A policy document: parsed, None when there is none, UNKNOWN when the plan cannot say."""
        found = self.value(change, side, attribute)
        if _has_unknown(found):
            return UNKNOWN
        if isinstance(found, str):
            if found not in self.docs:
                self.docs[found] = parsed(found)
            return self.docs[found]
        return parsed(found)

    def arn(self, change: Change, values: dict[str, Any]) -> str:
        arn = values.get("arn")
        return arn if isinstance(arn, str) else self.resolver.identifier(change.rc, values, "arn")

    def identifiers(self, type_name: str, side: str) -> dict[str, Change]:
        """The changes of a type by every identifier they have on a side (ARN, name, id...), stand-ins included."""
        key = (type_name, side)
        if key not in self.index:
            found: dict[str, Change] = {}
            for change in self.changes(type_name):
                values = self.values(change, side)
                if values is None:
                    continue
                for attribute in ("arn", "name", "id", "key_id", "function_name", "qualified_arn"):
                    value = values.get(attribute)
                    if isinstance(value, str) and value:
                        found.setdefault(value, change)
                for attribute in ("arn", "id", "name", "key_id"):
                    found.setdefault(f"(known after apply: {change.address}.{attribute})", change)
            self.index[key] = found
        return self.index[key]

    def link(self, change: Change, side: str, attribute: str, types: tuple[str, ...]) -> Change | Unknown | None:
        """The change (of one of `types`) an argument names on a side: by value, by stand-in, or by reference."""
        value = self.value(change, side, attribute)
        if isinstance(value, str):
            for type_name in types:
                found = self.identifiers(type_name, side).get(value)
                if found is not None:
                    return found
            return self.function_of(value, side) if "aws_lambda_function" in types else None
        if value is None or not isinstance(value, Unknown):
            return None
        return self.referenced(change, attribute, types) or UNKNOWN

    def function_of(self, arn: str, side: str) -> Change | None:
        """The function of this account a Lambda ARN names, by its name (a function the plan creates has no ARN yet)."""
        function = re.match(r"^arn:[^:]+:lambda:[^:]*:([0-9]{12}):function:([^:]+)$", arn)
        if function is None or function.group(1) != self.account:
            return None
        return self.identifiers("aws_lambda_function", side).get(function.group(2))

    def referenced(self, change: Change, attribute: str, types: tuple[str, ...]) -> Change | None:
        """The change a configuration reference names in the same module instance (`aws_iam_role.this.arn`)."""
        for reference in change.references(attribute):
            match = re.match(r"^([a-z0-9_]+)\.([A-Za-z0-9_-]+)(\[[^\]]*\])?", reference)
            if not match or match.group(1) not in types:
                continue
            base = f"{change.module + '.' if change.module else ''}{match.group(1)}.{match.group(2)}"
            if match.group(3) and base + match.group(3) in self.by_address:
                return self.by_address[base + match.group(3)]
            instances = [c for a, c in self.by_address.items() if a == base or a.startswith(base + "[")]
            if len(instances) == 1:
                return instances[0]
        return None

    # the run

    def run(self) -> Analysis:
        if not self.account:
            note = "who can read what: not analysed (no ARN in the plan names its account)"
            return Analysis({}, {}, {s: {} for s in SIDES}, {s: [] for s in SIDES}, [note])
        items = self.items()
        readers = self.roles()
        readers.update(self.named(items))
        cells = {side: self.evaluate(readers, items, side) for side in SIDES}
        declared = {side: self.declared(readers, items, side) for side in SIDES}
        rotators = {side: self.rotators(readers, items, side) for side in SIDES}
        return Analysis(readers, items, cells, declared, rotators=rotators)

    # items

    def items(self) -> dict[str, Item]:
        items: dict[str, Item] = {}
        for change in self.changes("aws_secretsmanager_secret"):
            self.secret(change, items)
        for change in self.changes("aws_ssm_parameter"):
            self.parameter(change, items)
        for side in SIDES:
            for app, manifest, declared in self.manifests(side):
                for name, kind in declared.items():
                    if kind != "securestring" or f"parameter:{name}" in items and items[f"parameter:{name}"].managed:
                        continue
                    item = items.setdefault(
                        f"parameter:{name}", Item(f"parameter:{name}", kind, name, app, manifest.address, False)
                    )
                    slash = "" if name.startswith("/") else "/"
                    arn = f"arn:{self.partition}:ssm:{self.region}:{self.account}:parameter{slash}{name}"
                    item.sides[side] = self.app_key(app, side, _ItemSide(arn, True))
        for item in items.values():
            for side in SIDES:
                item.sides.setdefault(side, None)
        return items

    def secret(self, change: Change, items: dict[str, Item]) -> None:
        name = str((change.after or change.before).get("name") or change.address)
        item = items.setdefault(f"secret:{name}", Item(f"secret:{name}", "secret", name, change.app, change.address, True))
        for side in SIDES:
            values = self.values(change, side)
            if values is None:
                continue
            state = _ItemSide(self.arn(change, values), True, tags=_tags(values))
            self.encryption(change, side, "kms_key_id", state)
            state.policy, state.policy_address = self.document(change, side, "policy"), change.address
            rotation = self.value(change, side, "rotation_lambda_arn")
            state.rotation = rotation if isinstance(rotation, str) and rotation else None
            for policy in self.attached_to(change, side, "aws_secretsmanager_secret_policy", "secret_arn"):
                state.policy, state.policy_address = self.document(policy, side, "policy"), policy.address
            for rotation_change in self.attached_to(change, side, "aws_secretsmanager_secret_rotation", "secret_id"):
                rotation = self.value(rotation_change, side, "rotation_lambda_arn")
                state.rotation = rotation if isinstance(rotation, str) else None
            if state.policy is UNKNOWN:
                state.unknown.append(f"the resource policy of {state.policy_address} (known after apply)")
            item.sides[side] = state

    def attached_to(self, change: Change, side: str, type_name: str, attribute: str) -> list[Change]:
        """The changes of `type_name` on a side whose `attribute` names `change` (a secret's policy, its rotation)."""
        key = (f"{type_name}.{attribute}", side)
        if key not in self.index:
            found: dict[str, Change] = {}
            for other in self.changes(type_name):
                if self.values(other, side) is not None:
                    target = self.link(other, side, attribute, (change.type,))
                    if isinstance(target, Change):
                        found[target.address + "\n" + other.address] = other
            self.index[key] = found
        prefix = change.address + "\n"
        return [other for address, other in self.index[key].items() if address.startswith(prefix)]

    def parameter(self, change: Change, items: dict[str, Item]) -> None:
        first = change.after or change.before
        name = str(first.get("name") or change.address)
        kind = "securestring" if first.get("type") == "SecureString" else "parameter"
        item = items.setdefault(f"parameter:{name}", Item(f"parameter:{name}", kind, name, change.app, change.address, True))
        for side in SIDES:
            values = self.values(change, side)
            if values is None:
                continue
            state = _ItemSide(self.arn(change, values), values.get("type") == "SecureString", tags=_tags(values))
            if state.encrypted:
                self.encryption(change, side, "key_id", state)
            item.sides[side] = state

    def encryption(self, change: Change, side: str, attribute: str, state: _ItemSide) -> None:
        """The item's key on a side: the AWS managed key (key_id None), a key of the plan with its policy, or one not known."""
        value = self.value(change, side, attribute)
        if value in (None, "") or (isinstance(value, str) and "alias/aws/" in value):
            return
        key = self.link(change, side, attribute, ("aws_kms_key",))
        if key is None and isinstance(value, str):
            aliases = self.identifiers("aws_kms_alias", side)
            alias = aliases.get(value) or aliases.get(value.rsplit(":", 1)[-1])
            key = self.link(alias, side, "target_key_id", ("aws_kms_key",)) if alias is not None else None
        if isinstance(key, Change):
            self.key_of(key, side, state)
        elif isinstance(value, str):
            state.key_id, state.key_policy = value, UNKNOWN
            state.unknown.append(f"the policy of the key {value} (not in this plan)")
        else:
            state.key_id, state.key_policy = "(key known after apply)", UNKNOWN
            state.unknown.append(f"the key of {change.address} (known after apply)")

    def key_of(self, key: Change, side: str, state: _ItemSide) -> None:
        values = self.values(key, side) or {}
        arn = values.get("arn")
        state.key_id = arn if isinstance(arn, str) else f"(known after apply: {key.address}.arn)"
        state.key_address = key.address
        state.key_policy = self.document(key, side, "policy")
        for separate in self.changes("aws_kms_key_policy"):
            if self.values(separate, side) is not None and self.link(separate, side, "key_id", ("aws_kms_key",)) is key:
                state.key_policy = self.document(separate, side, "policy")
        if state.key_policy is UNKNOWN:
            state.unknown.append(f"the key policy of {key.address} (known after apply)")

    def manifests(self, side: str) -> list[tuple[str, Change, dict[str, str]]]:
        """(app, its manifest parameter, {full name: kind}) for each app manifest on a side: names only."""
        if side not in self._manifests:
            found = []
            for change in self.changes("aws_ssm_parameter"):
                values = self.values(change, side)
                name = str((values or {}).get("name", ""))
                manifest = _manifest(values.get("value")) if values and name.endswith("/manifest") else None
                if manifest is None:
                    continue
                prefix = str(manifest["prefix"]).rstrip("/")
                declared = {name: "parameter"}
                for field_name, kind in (
                    ("secrets", "secret"),
                    ("parameters", "parameter"),
                    ("secure_parameters", "securestring"),
                ):
                    declared.update(
                        {f"{prefix}/{short}": kind for short in manifest.get(field_name) or [] if isinstance(short, str)}
                    )
                found.append((change.app if change.app != OUTSIDE else str(manifest.get("app", OUTSIDE)), change, declared))
            self._manifests[side] = found
        return self._manifests[side]

    def app_key(self, app: str, side: str, state: _ItemSide) -> _ItemSide:
        """The key `make put-secret` writes an app's SecureStrings with: its own key, its secrets', apps[app].kms_key_arn."""
        keys = [c for c in self.changes("aws_kms_key") if c.app == app and self.values(c, side) is not None]
        if len(keys) == 1:
            self.key_of(keys[0], side, state)
            return state
        for change in self.changes("aws_secretsmanager_secret"):
            if change.app == app and self.values(change, side) is not None:
                self.encryption(change, side, "kms_key_id", state)
                return state
        apps = ((self.view.plan.get("variables") or {}).get("apps") or {}).get("value")
        configured = (apps.get(app) or {}).get("kms_key_arn") if isinstance(apps, dict) else None
        if isinstance(configured, str) and configured:
            state.key_id, state.key_policy = configured, UNKNOWN
            state.unknown.append(f"the policy of the key {configured} (not in this plan)")
        return state

    # readers

    def roles(self) -> dict[str, Reader]:
        readers: dict[str, Reader] = {}
        for change in self.changes("aws_iam_role"):
            name = str((change.after or change.before).get("name") or change.address)
            label = f"{name} ({change.app or 'no app'})"
            reader = readers[change.address] = Reader(change.address, label, change.app, "role")
            for side in SIDES:
                values = self.values(change, side)
                if values is None:
                    continue
                state = _ReaderSide(self.arn(change, values), str(values.get("name") or name), [], tags=_tags(values))
                # Both are computed too: the state reflects every inline policy and attachment of the role,
                # whichever resource made it, so they count only where the configuration sets them.
                blocks = self.value(change, side, "inline_policy") if self.sets(change, "inline_policy") else None
                if isinstance(blocks, Unknown):
                    state.unknown.append(f"the inline policies of {change.address} (known after apply)")
                for block in as_list(blocks):
                    if isinstance(block, dict):
                        self.add(state, f"{change.address} inline policy {block.get('name') or ''}".strip(), block.get("policy"))
                if self.sets(change, "managed_policy_arns"):
                    for policy_arn in self.listed(change, side, "managed_policy_arns", ("aws_iam_policy",)):
                        self.attach(state, change.address, policy_arn, side)
                boundary = self.value(change, side, "permissions_boundary")
                if boundary:
                    document = self.managed(boundary, side)
                    if document is None:
                        state.unknown.append(
                            f"the permission boundary {boundary if isinstance(boundary, str) else '(known after apply)'}"
                        )
                    state.boundary = document
                reader.sides[side] = state
        for side in SIDES:
            self.role_policies(readers, side)
        return readers

    @staticmethod
    def sets(change: Change, attribute: str) -> bool:
        """Whether the configuration sets an argument (a plan without configuration: whether it has a value)."""
        return change.configured is None or attribute in change.configured

    def listed(self, change: Change, side: str, attribute: str, types: tuple[str, ...]) -> list[Any]:
        """The strings of a list argument; a list Terraform does not know yet, from its reference (else UNKNOWN)."""
        value = self.value(change, side, attribute)
        if isinstance(value, Unknown):
            linked = self.referenced(change, attribute, types)
            return [f"(known after apply: {linked.address}.arn)"] if linked else [UNKNOWN]
        return [v if isinstance(v, str) else UNKNOWN for v in as_list(value)]

    def role_policies(self, readers: dict[str, Reader], side: str) -> None:
        """Each inline policy and attachment of the plan, on its role."""
        roles = ("aws_iam_role",)
        for change in self.changes("aws_iam_role_policy"):
            role = self.link(change, side, "role", roles) if self.values(change, side) is not None else None
            if isinstance(role, Change) and side in readers[role.address].sides:
                self.add(readers[role.address].sides[side], change.address, self.document(change, side, "policy"))
        attachments = (
            ("aws_iam_role_policy_attachment", "role", "policy_arn"),
            ("aws_iam_role_policy_attachments_exclusive", "role_name", "policy_arns"),
            ("aws_iam_policy_attachment", "roles", "policy_arn"),
        )
        for type_name, role_attribute, policy_attribute in attachments:
            for change in self.changes(type_name):
                if self.values(change, side) is None:
                    continue
                value = self.value(change, side, role_attribute)
                if isinstance(value, Unknown):
                    targets = [self.referenced(change, role_attribute, roles)]
                else:
                    targets = [self.identifiers("aws_iam_role", side).get(str(v)) for v in as_list(value)]
                for role in targets:
                    if role is not None and side in readers[role.address].sides:
                        for policy_arn in self.listed(change, side, policy_attribute, ("aws_iam_policy",)):
                            self.attach(readers[role.address].sides[side], change.address, policy_arn, side)

    def add(self, state: _ReaderSide, source: str, document: Any) -> None:
        if _has_unknown(document) or document is UNKNOWN:
            state.unknown.append(f"the policy of {source} (known after apply)")
        elif (found := parsed(document)) is not None:
            state.policies.append((source, found))

    def attach(self, state: _ReaderSide, source: str, policy_arn: Any, side: str) -> None:
        document = self.managed(policy_arn, side)
        if document is None:
            state.unknown.append(f"the attached policy {policy_arn if isinstance(policy_arn, str) else '(known after apply)'}")
        else:
            state.policies.append((f"{source} ({policy_arn})", document))

    def managed(self, policy_arn: Any, side: str) -> dict[str, Any] | None:
        """A managed policy's document: an aws_iam_policy of the plan, or an AWS managed one of MANAGED_POLICIES."""
        if not isinstance(policy_arn, str):
            return None
        change = self.identifiers("aws_iam_policy", side).get(policy_arn)
        if change is not None:
            document = self.document(change, side, "policy")
            return document if isinstance(document, dict) else None
        aws = re.match(r"^arn:aws[\w-]*:iam::aws:policy/(.+)$", policy_arn)
        if aws and aws.group(1) in MANAGED_POLICIES:
            return {"Version": "2012-10-17", "Statement": MANAGED_POLICIES[aws.group(1)]}
        return None

    def named(self, items: dict[str, Item]) -> dict[str, Reader]:
        """The principals the items' resource and key policies name, and the three stand-ins; none without such policies."""
        texts = [
            json.dumps(document)
            for item in items.values()
            for state in item.sides.values()
            if state is not None
            for document in (state.policy, state.key_policy)
            if isinstance(document, dict)
        ]
        if not texts:
            return {}
        text = "\n".join(texts)
        plan_roles = {
            str(values["name"])
            for change in self.changes("aws_iam_role")
            for side in SIDES
            if (values := self.values(change, side)) is not None and isinstance(values.get("name"), str)
        }
        readers: dict[str, Reader] = {}
        for account, kind, path in sorted(set(_PRINCIPAL_ARN.findall(text))):
            name = path.split("/")[0] if kind == "assumed-role" else path.rsplit("/", 1)[-1]
            kind = "user" if kind == "user" else "role"
            if account == self.account and kind == "role" and name in plan_roles:
                continue
            arn = f"arn:{self.partition}:iam::{account}:{kind}/{path if kind == 'user' else name}"
            where = "this account" if account == self.account else f"account {account}"
            readers[arn] = self.stand_in(arn, f"{kind} {name} of {where}", "principal", kind == "user", account != self.account)
        for account in sorted(set(_ACCOUNT.findall(text)) - {self.account, ANYONE_ACCOUNT}):
            arn = f"arn:{self.partition}:iam::{account}:role/{STAND_IN_ROLE}"
            readers[arn] = self.stand_in(arn, f"account {account} (any principal there)", "account", False, True)
        own = f"arn:{self.partition}:iam::{self.account}:role/{STAND_IN_ROLE}"
        readers[own] = self.stand_in(own, "any principal of this account (by these policies alone)", "this-account", False, False)
        anyone = f"arn:{self.partition}:iam::{ANYONE_ACCOUNT}:role/{STAND_IN_ROLE}"
        readers[anyone] = self.stand_in(anyone, 'anyone (Principal "*")', "anyone", False, True)
        return readers

    def stand_in(self, arn: str, label: str, kind: str, user: bool, outside: bool) -> Reader:
        """A principal outside the plan: another account's own policies are taken as allowing; this account's, as none."""
        policies = [("its own account's policies (taken as allowing)", {"Statement": EVERYTHING})] if outside else []
        state = _ReaderSide(arn, "reader", policies)
        return Reader(arn, label, None, kind, user, {side: state for side in SIDES})

    # cells and declared reads

    def evaluate(self, readers: dict[str, Reader], items: dict[str, Item], side: str) -> dict[tuple[str, str], Cell]:
        """Every cell of a side: each reader against the items its reach finds (sorted ARNs), then the Authorizer."""
        cells: dict[tuple[str, str], Cell] = {}
        present = sorted(((state.arn, item, state) for item in items.values() if (state := item.sides.get(side)) is not None),
                         key=lambda found: found[0])  # fmt: skip
        by_kind = {kind: [p for p in present if (p[1].kind == "secret") == (kind == "secret")] for kind in READS}
        arns = {kind: [p[0] for p in found] for kind, found in by_kind.items()}
        with_policy = [p for p in present if isinstance(p[2].policy, dict)]
        for reader in readers.values():
            reader_state = reader.sides.get(side)
            if reader_state is None:
                continue
            evaluator = _Evaluator(self, reader, reader_state)
            candidates = {id(p[2]): p for p in with_policy}
            for kind, found in by_kind.items() if reader.kind == "role" else ():
                reach_ = evaluator.reach[kind]
                if reach_.anything:
                    candidates.update((id(p[2]), p) for p in found)
                    continue
                for prefix in [*reach_.exact, *reach_.prefixes]:
                    start = bisect.bisect_left(arns[kind], prefix)
                    for p in found[start:]:
                        if not p[0].startswith(prefix):
                            break
                        if p[0] == prefix or prefix not in reach_.exact or reach_.reaches(p[0]):
                            candidates[id(p[2])] = p
            for _, item, state in candidates.values():
                if evaluator.candidate(item, state) and (cell := evaluator.cell(item, state)) is not None:
                    cells[(reader.key, item.key)] = cell
        return cells

    def declared(self, readers: dict[str, Reader], items: dict[str, Item], side: str) -> list[DeclaredRead]:
        """Each function's declared reads on a side: its manifest's items; a rotation function's, the manifest and its secrets."""
        reads: list[DeclaredRead] = []
        rotation = self.rotation_functions(side)
        for app, manifest, declared in self.manifests(side):
            manifest_name = str((self.values(manifest, side) or {}).get("name"))
            for function in self.changes("aws_lambda_function"):
                values = self.values(function, side)
                if values is None or environment_of(values).get("SECRETS_CLIENT_MANIFEST") != manifest_name:
                    continue
                role = self.link(function, side, "role", ("aws_iam_role",))
                if not isinstance(role, Change) or role.address not in readers:
                    continue
                if function.address in rotation:
                    wanted = [f"parameter:{manifest_name}"] + [f"secret:{name}" for name in rotation[function.address]]
                else:
                    wanted = [f"{'secret' if kind == 'secret' else 'parameter'}:{name}" for name, kind in declared.items()]
                reads += [DeclaredRead(app, role.address, key, function.address) for key in wanted if key in items]
        return reads

    def rotators(self, readers: dict[str, Reader], items: dict[str, Item], side: str) -> set[tuple[str, str]]:
        """(role, secret) pairs where the role is the one of the function the secret names as its rotation function."""
        pairs = set()
        rotation = self.rotation_functions(side)
        for function in self.changes("aws_lambda_function"):
            role = self.link(function, side, "role", ("aws_iam_role",)) if function.address in rotation else None
            if isinstance(role, Change) and role.address in readers:
                pairs |= {(role.address, f"secret:{name}") for name in rotation[function.address] if f"secret:{name}" in items}
        return pairs

    def rotation_functions(self, side: str) -> dict[str, list[str]]:
        """Rotation functions (Secrets Manager may invoke them, a secret or its app's manifest names them), what each rotates."""
        functions: dict[str, list[str]] = {}
        for permission in self.changes("aws_lambda_permission"):
            values = self.values(permission, side)
            if values and values.get("principal") == "secretsmanager.amazonaws.com":
                function = self.link(permission, side, "function_name", ("aws_lambda_function",))
                if isinstance(function, Change):
                    functions.setdefault(function.address, [])
        for change in self.changes("aws_secretsmanager_secret"):
            values = self.values(change, side)
            if values is None:
                continue
            rotations = [change, *self.attached_to(change, side, "aws_secretsmanager_secret_rotation", "secret_id")]
            for rotation in rotations:
                function = self.link(rotation, side, "rotation_lambda_arn", ("aws_lambda_function",))
                if isinstance(function, Change):
                    functions.setdefault(function.address, []).append(str(values.get("name")))
        for _, change, _ in self.manifests(side):  # the user's function a manifest names (the sandbox sets no rotation)
            manifest = _manifest((self.values(change, side) or {}).get("value")) or {}
            for short, rule in (manifest.get("rotation") or {}).items():
                arn = rule.get("lambda_arn") if isinstance(rule, dict) else None
                function = self.function_of(arn, side) if isinstance(arn, str) else None
                if function is not None:
                    functions.setdefault(function.address, []).append(f"{str(manifest['prefix']).rstrip('/')}/{short}")
        return functions


def _region_of_arns(view: PlanView) -> str | None:
    """The region of the first secret or parameter ARN the plan knows (when no region variable says it)."""
    for type_name in ("aws_secretsmanager_secret", "aws_ssm_parameter"):
        for change in view.by_type.get(type_name, ()):
            arn = change.before.get("arn") or change.after.get("arn")
            if isinstance(arn, str) and arn.count(":") >= 5 and arn.split(":")[3]:
                return arn.split(":")[3]
    return None


def _tags(values: Mapping[str, Any]) -> dict[str, str]:
    for attribute in ("tags_all", "tags"):
        tags = values.get(attribute)
        if isinstance(tags, dict):
            return {str(k): v for k, v in tags.items() if isinstance(v, str)}
    return {}


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _manifest(value: Any) -> dict[str, Any] | None:
    """An app manifest's names (the stack's jsonencode), or None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        manifest = json.loads(value)
    except ValueError:
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("prefix"), str) else None


# --- what the rules and the review read ---------------------------------------------------------


def app_label(app: str | None) -> str:
    return "(no app)" if not app else app


def describe(item: Item) -> str:
    """ "demo's secret /sandbox/demo/secrets/api_key" """
    kind = {"secret": "secret", "parameter": "parameter", "securestring": "SecureString"}[item.kind]
    owner = f"{item.app}'s" if item.app else "the"
    return f"{owner} {kind} {item.name}"


def outside(reader: Reader, item: Item) -> str | None:
    """How a reader stands to an item's app: "high" from outside it (another app's role, a role of no app, any principal
    outside the plan), "low" for an app's role on an item of no app, None for its own app."""
    if reader.kind != "role":
        return "high"
    if item.app == OUTSIDE:
        return "low" if reader.app != OUTSIDE else None
    return "high" if reader.app != item.app else None


def via(analysis: Analysis, reader_key: str, item_key: str) -> str:
    """The policies of the plan that name the read after the change ("its identity policy X, the secret's resource policy Y")."""
    reader, item = analysis.readers[reader_key], analysis.items[item_key]
    state, item_state = reader.sides.get("after"), item.sides.get("after")
    if state is None or item_state is None:
        return ""
    parts = []
    if reader.kind == "role":
        own = sorted(source for source, document in state.policies if names(document, item, item_state.arn))
        if own:
            parts.append(f"its identity policy {', '.join(own)}")
    if isinstance(item_state.policy, dict) and names(item_state.policy, item, item_state.arn):
        parts.append(f"the secret's resource policy {item_state.policy_address}")
    if reader.kind != "role" and isinstance(item_state.key_policy, dict) and item_state.key_address:
        parts.append(f"the key policy of {item_state.key_address}")
    return ", ".join(parts)


def matrix(analysis: Analysis) -> dict[str, Any]:
    """The reader matrix for the review's JSON and markdown: per item, its readers before and after."""
    rows = []
    declared = {d.item for d in analysis.declared["after"]} | {d.item for d in analysis.declared["before"]}
    by_item: dict[str, dict[str, dict[str, Cell]]] = {side: {} for side in SIDES}
    for side in SIDES:
        for (reader, item), cell in analysis.cells[side].items():
            by_item[side].setdefault(item, {})[reader] = cell
    for item in sorted(analysis.items.values(), key=lambda i: (i.app == OUTSIDE, i.app, i.name)):
        row: dict[str, Any] = {
            "app": item.app,
            "item": item.name,
            "kind": item.kind,
            "address": item.address,
            "declared": item.key in declared,
            "exists": {side: item.sides.get(side) is not None for side in SIDES},
            "unknown": sorted({u for s in item.sides.values() if s is not None for u in s.unknown}),
        }
        for side in SIDES:
            cells = by_item[side].get(item.key, {})
            row[side] = [
                {"reader": analysis.readers[r].label, "app": analysis.readers[r].app, "kind": analysis.readers[r].kind,
                 "outside": outside(analysis.readers[r], item) is not None,
                 "access": c.level, "note": c.note, "partial": c.partial}
                for r, c in sorted(cells.items(), key=lambda rc: analysis.readers[rc[0]].label)
            ]  # fmt: skip
        before = {r["reader"] for r in row["before"]}
        after = {r["reader"] for r in row["after"]}
        row["new"], row["gone"] = sorted(after - before), sorted(before - after)
        rows.append(row)
    unknown = {
        reader.label: sorted({line for side in reader.sides.values() for line in side.unknown})
        for reader in analysis.readers.values()
        if any(side.unknown for side in reader.sides.values())
    }
    return {
        "items": rows,
        "readers": sorted(r.label for r in analysis.readers.values()),
        "unknown": unknown,  # per reader, what the plan cannot say of its policies (items carry their own)
        "notes": analysis.notes,
        "not_modelled": list(NOT_MODELLED),
    }


def iter_new(analysis: Analysis) -> Iterator[tuple[Reader, Item, Cell]]:
    """Every (reader, item, cell) that reads or may read after the change and did not before."""
    before = analysis.cells["before"]
    for (reader, item), cell in sorted(analysis.cells["after"].items()):
        if (reader, item) not in before:
            yield analysis.readers[reader], analysis.items[item], cell
