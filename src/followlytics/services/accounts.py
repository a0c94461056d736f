"""Users, their API keys and their X accounts (own and competitor).

An API key looks like `flk_1a2b3c4d_<32 url-safe chars>`. It is returned once, at creation; the
database keeps its SHA-256 and the visible prefix `flk_1a2b3c4d`, which names the key in lists and logs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from followlytics.db.models import AccountKind, ApiKey, Plan, User, XAccount, utcnow
from followlytics.errors import Conflict, InvalidInput, NoAudienceData, NotFound, Unauthorized

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_LAST_USED_GRANULARITY = timedelta(minutes=1)
_KEY = re.compile(r"^(flk_[0-9a-f]{8})_[A-Za-z0-9_-]{32,64}$")


@dataclass(frozen=True)
class NewUser:
    user: User
    api_key: str


def create_user(session: Session, *, email: str, plan: str) -> NewUser:
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise InvalidInput(f"{email!r} is not an email address", field="email")
    if plan not in set(Plan):
        raise InvalidInput(f"plan must be one of {', '.join(Plan)}, got {plan!r}", field="plan")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = User(email=email, plan=plan)
    session.add(user)
    session.flush()
    return NewUser(user=user, api_key=issue_api_key(session, user=user))


def issue_api_key(session: Session, *, user: User) -> str:
    prefix = f"flk_{secrets.token_hex(4)}"
    key = f"{prefix}_{secrets.token_urlsafe(24)}"
    session.add(ApiKey(user_id=user.id, prefix=prefix, key_hash=_hash(key)))
    session.flush()
    return key


def authenticate(session: Session, api_key: str) -> User:
    """The user a key belongs to; `Unauthorized` for a malformed, unknown or revoked key."""
    match = _KEY.fullmatch(api_key.strip())
    if match is None:
        raise Unauthorized("invalid API key: expected 'Authorization: Bearer flk_…'")
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == match.group(1)))
    if row is None or not hmac.compare_digest(row.key_hash, _hash(api_key.strip())):
        raise Unauthorized("invalid API key")
    if row.revoked_at is not None:
        raise Unauthorized(f"API key {row.prefix} was revoked")
    now = utcnow()
    # Recorded to the minute: a write on every request would serialise all requests on SQLite.
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_GRANULARITY:
        row.last_used_at = now
    return row.user


def find_user(session: Session, ref: str) -> User:
    """A user by id (`usr_…`) or email, for the CLI."""
    ref = ref.strip()
    condition = User.id == ref if ref.startswith("usr_") else User.email == ref.lower()
    user = session.scalar(select(User).where(condition))
    if user is None:
        raise NotFound(f"no user {ref!r}")
    return user


def checked_handle(handle: str) -> str:
    handle = handle.strip().removeprefix("@")
    if not _HANDLE.fullmatch(handle):
        raise InvalidInput(f"{handle!r} is not an X handle (1-15 letters, digits or _)", field="account")
    return handle


def ensure_account(session: Session, *, user: User, handle: str, competitor: bool = False) -> XAccount:
    """The user's account with that handle, created on first use."""
    handle = checked_handle(handle)
    kind = AccountKind.COMPETITOR if competitor else AccountKind.OWN
    account = _account_by_handle(session, user=user, handle=handle)
    if account is not None:
        if account.kind != kind:
            raise Conflict(f"@{account.handle} is already one of your {account.kind} accounts")
        return account
    account = XAccount(user_id=user.id, handle=handle, kind=kind)
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError:  # a concurrent import created it first
        account = _account_by_handle(session, user=user, handle=handle)
        assert account is not None
    return account


def resolve_account(session: Session, *, user: User, handle: str | None) -> XAccount:
    """The account a question or import is about: the named one, else the user's only own account."""
    if handle:
        account = _account_by_handle(session, user=user, handle=checked_handle(handle))
        if account is None:
            raise NotFound(f"you have no account @{checked_handle(handle)}")
        return account
    own = session.scalars(
        select(XAccount)
        .where(XAccount.user_id == user.id, XAccount.kind == AccountKind.OWN)
        .order_by(XAccount.created_at, XAccount.id)
    ).all()
    if not own:
        raise NoAudienceData("no followers imported yet: import them with POST /api/followers/import")
    return own[0]


def _account_by_handle(session: Session, *, user: User, handle: str) -> XAccount | None:
    # X handles are case-insensitive; keep the spelling the user first gave.
    return session.scalar(
        select(XAccount).where(XAccount.user_id == user.id, func.lower(XAccount.handle) == handle.lower())
    )


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
