"""The follower row every importer produces and every snapshot stores (`FOLLOWER_SCHEMA`), the X API v2
user object it is built from (`XUser`), and the conversion between the two (`to_row`).

`XUser` accepts a user object as the real API returns it: empty fields are left out (null is accepted
too), unknown fields are ignored, `url` may be `""`, and the newer spec names `post_count` and
`pinned_post_id` are read as `tweet_count` and `pinned_tweet_id`. In the row, empty strings become
null and `created_at` is a timezone-aware UTC datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import pyarrow as pa
from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, NonNegativeInt

FOLLOWER_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("username", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("description", pa.string()),
        pa.field("location", pa.string()),
        pa.field("url", pa.string()),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
        pa.field("verified", pa.bool_()),
        pa.field("verified_type", pa.string()),
        pa.field("protected", pa.bool_()),
        pa.field("followers_count", pa.int64()),
        pa.field("following_count", pa.int64()),
        pa.field("tweet_count", pa.int64()),
        pa.field("listed_count", pa.int64()),
        pa.field("like_count", pa.int64()),
        pa.field("media_count", pa.int64()),
        pa.field("profile_image_url", pa.string()),
        pa.field("pinned_tweet_id", pa.string()),
        # How often this follower engaged with the user's posts (likes, replies, reposts, quotes), when known.
        pa.field("interactions", pa.int64()),
    ]
)

FOLLOWER_COLUMNS = tuple(FOLLOWER_SCHEMA.names)

VERIFIED_TYPES = ("blue", "business", "government", "none")

# X ids are 64-bit integers sent as strings; some clients write them as JSON numbers, hence the coercion.
_DIGITS = r"^[0-9]{1,20}$"
# Handles are at most 15 characters today; a few legacy accounts are longer, so allow some slack.
_HANDLE = r"^[A-Za-z0-9_]{1,20}$"


def _as_utc(value: datetime) -> datetime:
    # A time without an offset (possible in hand-made CSV) is taken as UTC, the API's own zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UserId = Annotated[str, Field(pattern=_DIGITS, coerce_numbers_to_str=True)]
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class PublicMetrics(BaseModel):
    """A user's `public_metrics`; the first four are always sent by the API."""

    model_config = ConfigDict(frozen=True)

    followers_count: NonNegativeInt
    following_count: NonNegativeInt
    tweet_count: NonNegativeInt = Field(validation_alias=AliasChoices("tweet_count", "post_count"))
    listed_count: NonNegativeInt
    like_count: NonNegativeInt | None = None
    media_count: NonNegativeInt | None = None


class XUser(BaseModel):
    """One X API v2 user object."""

    model_config = ConfigDict(frozen=True)

    id: UserId
    username: Annotated[str, Field(pattern=_HANDLE)]
    name: str | None = None
    description: str | None = None
    location: str | None = None
    url: str | None = None
    created_at: UtcDatetime | None = None
    verified: bool | None = None
    verified_type: Literal["blue", "business", "government", "none"] | None = None
    protected: bool | None = None
    profile_image_url: str | None = None
    pinned_tweet_id: UserId | None = Field(
        default=None, validation_alias=AliasChoices("pinned_tweet_id", "pinned_post_id")
    )
    public_metrics: PublicMetrics | None = None


def to_row(user: XUser, *, interactions: int | None = None) -> dict[str, Any]:
    """The FOLLOWER_SCHEMA row for `user`, with exactly the schema's keys."""
    return dict(zip(FOLLOWER_COLUMNS, row_values(user, interactions=interactions), strict=True))


def row_values(user: XUser, *, interactions: int | None = None) -> tuple[Any, ...]:
    """The same row as `to_row`, as a tuple in FOLLOWER_COLUMNS order (cheaper when building a table)."""
    metrics = user.public_metrics
    return (
        user.id,
        user.username,
        user.name or None,
        user.description or None,
        user.location or None,
        user.url or None,
        user.created_at,
        user.verified,
        user.verified_type,
        user.protected,
        *(_NO_METRICS if metrics is None else _metric_values(metrics)),
        user.profile_image_url or None,
        user.pinned_tweet_id,
        interactions,
    )


_NO_METRICS = (None,) * 6


def _metric_values(metrics: PublicMetrics) -> tuple[int | None, ...]:
    return (
        metrics.followers_count,
        metrics.following_count,
        metrics.tweet_count,
        metrics.listed_count,
        metrics.like_count,
        metrics.media_count,
    )


# --- posts and interactions ------------------------------------------------------------------------------

TWEET_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        # Who wrote it: the account itself for `tweets`, a follower for `follower_tweets`.
        pa.field("author_id", pa.string()),
        pa.field("text", pa.string()),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
        pa.field("lang", pa.string()),
        pa.field("like_count", pa.int64()),
        pa.field("retweet_count", pa.int64()),
        pa.field("reply_count", pa.int64()),
        pa.field("quote_count", pa.int64()),
        pa.field("bookmark_count", pa.int64()),
        pa.field("impression_count", pa.int64()),
        # `replied_to`, `quoted` or `retweeted` when the post points at another; its id.
        pa.field("referenced_type", pa.string()),
        pa.field("referenced_id", pa.string()),
    ]
)
"""One post (X API v2 tweet object with `public_metrics`); missing metrics are null, not 0."""

INTERACTION_KINDS = ("like", "retweet", "reply", "quote")

INTERACTION_SCHEMA = pa.schema(
    [
        pa.field("tweet_id", pa.string(), nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),  # one of INTERACTION_KINDS
        pa.field("created_at", pa.timestamp("us", tz="UTC")),  # when known (CSV, replies, quotes)
    ]
)
"""Who engaged with which of the account's posts, and how: one row per (tweet, user, kind)."""
