"""X API usage, metered where X data enters: this code has no X API client, so each import stands for the
reads that fetched it, priced by `rates.X_API` and written to `x_api_reads`.

    followers, following (user objects), and any dataset of a competitor   user object read   $0.010 each
    tweets and interactions of the user's own account                       own data           $0.001 each
    follower_tweets (other users' posts)                                    user object read   $0.010 each
    posts or DMs created                                                    $0.015 each: nothing is sent yet
                                                                            (drafts are only returned)
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from followlytics.audience.datasets import Dataset
from followlytics.db.models import AccountKind, XAccount, XApiRead
from followlytics.services.rates import X_API

USER_OBJECT, OWN_DATA, POST_CREATED = "user_object", "own_data", "post_created"
_OWN_DATA_DATASETS = (Dataset.TWEETS, Dataset.INTERACTIONS)


def read_kind(dataset: Dataset, account_kind: str) -> str:
    if account_kind == AccountKind.OWN and dataset in _OWN_DATA_DATASETS:
        return OWN_DATA
    return USER_OBJECT


def unit_price(kind: str) -> Decimal:
    return {
        USER_OBJECT: X_API.user_object_usd,
        OWN_DATA: X_API.own_data_usd,
        POST_CREATED: X_API.post_created_usd,
    }[kind]


def record_import_reads(session: Session, *, account: XAccount, dataset: Dataset, rows: int) -> XApiRead:
    """The reads an import of `rows` records of `dataset` for `account` stands for."""
    kind = read_kind(dataset, account.kind)
    price = unit_price(kind)
    read = XApiRead(
        user_id=account.user_id,
        account_id=account.id,
        dataset=dataset.value,
        kind=kind,
        units=rows,
        unit_usd=price,
        cost_usd=price * rows,
    )
    session.add(read)
    return read
