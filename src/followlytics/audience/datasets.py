"""The kinds of data an account can have (`Dataset`), the schema each is stored with, and the message that
says exactly what to import when an analysis needs one that is missing.

    followers        who follows the account (the audience; FOLLOWER_SCHEMA)
    following        whom the account follows, for mutuals (FOLLOWER_SCHEMA)
    tweets           the account's own posts with their metrics (TWEET_SCHEMA)
    interactions     who liked, reposted, replied to or quoted which of those posts (INTERACTION_SCHEMA)
    follower_tweets  recent posts by followers, for trends and activity hours (TWEET_SCHEMA)

Every dataset is stored the same way: one Parquet snapshot per import under
`<account_dir>/<dataset>/<snapshot id>.parquet` (see `snapshots.py`).
"""

from __future__ import annotations

from enum import StrEnum

import pyarrow as pa

from followlytics.audience.schema import FOLLOWER_SCHEMA, INTERACTION_SCHEMA, TWEET_SCHEMA
from followlytics.errors import NoAudienceData


class Dataset(StrEnum):
    FOLLOWERS = "followers"
    FOLLOWING = "following"
    TWEETS = "tweets"
    INTERACTIONS = "interactions"
    FOLLOWER_TWEETS = "follower_tweets"

    @property
    def schema(self) -> pa.Schema:
        return _SCHEMAS[self]

    @property
    def cli_kind(self) -> str:
        """How the CLI and the API name it: `--kind follower-tweets`, `kind=follower-tweets`."""
        return self.value.replace("_", "-")

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_SCHEMAS = {
    Dataset.FOLLOWERS: FOLLOWER_SCHEMA,
    Dataset.FOLLOWING: FOLLOWER_SCHEMA,
    Dataset.TWEETS: TWEET_SCHEMA,
    Dataset.INTERACTIONS: INTERACTION_SCHEMA,
    Dataset.FOLLOWER_TWEETS: TWEET_SCHEMA,
}

_DESCRIPTIONS = {
    Dataset.FOLLOWERS: "followers",
    Dataset.FOLLOWING: "following list (the accounts it follows)",
    Dataset.TWEETS: "posts",
    Dataset.INTERACTIONS: "post interactions (likes, reposts, replies, quotes)",
    Dataset.FOLLOWER_TWEETS: "followers' recent posts",
}

_SOURCES = {
    Dataset.FOLLOWERS: "X API v2 followers pages (GET /2/users/:id/followers), JSONL of user objects or CSV",
    Dataset.FOLLOWING: "X API v2 following pages (GET /2/users/:id/following), JSONL of user objects or CSV",
    Dataset.TWEETS: (
        "X API v2 post pages (GET /2/users/:id/tweets with tweet.fields=public_metrics,created_at) "
        "or JSONL of post objects"
    ),
    Dataset.INTERACTIONS: (
        'a JSON object {"liking_users": {"<post id>": page}, "retweeted_by": {...}} of X API v2 '
        "liking_users / retweeted_by pages, or CSV tweet_id,user_id,kind,created_at"
    ),
    Dataset.FOLLOWER_TWEETS: "X API v2 post pages or JSONL of post objects written by followers",
}


def import_hint(dataset: Dataset, handle: str | None = None, *, competitor: bool = False) -> str:
    """One sentence saying what to import for `dataset` and how, for the CLI and the API."""
    options = f" --kind {dataset.cli_kind}" if dataset is not Dataset.FOLLOWERS else ""
    options += f" --account {handle}" if handle else ""
    options += " --competitor" if competitor else ""
    form = f"kind={dataset.cli_kind}" + (f", account={handle}" if handle else "")
    form += ", competitor=true" if competitor else ""
    return (
        f"Import {_SOURCES[dataset]} with `followlytics import USER FILE{options}` "
        f"or `POST /api/followers/import` with {form}."
    )


def missing(dataset: Dataset, handle: str | None = None, *, competitor: bool = False) -> NoAudienceData:
    """The error an analysis raises when it needs `dataset` and the account has none."""
    whose = f"@{handle}" if handle else "this account"
    hint = import_hint(dataset, handle, competitor=competitor)
    message = f"No {dataset.description} imported for {whose} yet. {hint}"
    return NoAudienceData(message, dataset=dataset.value)
