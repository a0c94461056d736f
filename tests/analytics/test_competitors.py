"""Competitors: which competitor a question names, exact overlap counts, whom to win and in what order, how
two audiences and two accounts' posts compare, and the suggestions built from those numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from followlytics.analytics.accounts import resolve_competitor
from followlytics.analytics.competitor_posts import (
    PostComparison,
    compare_posts,
    rhythm_suggestion,
    topics_suggestion,
)
from followlytics.analytics.competitors import (
    CompetitorComparisonArgs,
    CompetitorComparisonResult,
    CompetitorOverlapArgs,
    CompetitorOverlapResult,
    CompetitorTargetsArgs,
    CompetitorTargetsResult,
    run_competitor_comparison,
    run_competitor_overlap,
    run_competitor_targets,
)
from followlytics.audience.datasets import Dataset, import_hint
from followlytics.audience.importers import parse_user_objects
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.snapshots import write_snapshot
from followlytics.audience.synth import generate
from followlytics.errors import InvalidInput, NoAudienceData, NotFound
from followlytics.sandbox.runtime import Runtime

ME = AccountEntry("acc_me", "me", "own")
RIVAL = AccountEntry("acc_rival", "Rival", "competitor")


def _follower(id: str, followers: int | None = None, **values: Any) -> dict[str, Any]:
    return {"id": id, "username": f"user_{id}", "followers_count": followers, **values}


def _write(root: Path, account: str, dataset: Dataset, rows: list[dict[str, Any]] | pa.Table) -> None:
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=dataset.schema)
    write_snapshot(account_dir(root, account), table, sources=["test"], dataset=dataset)


def _workspace(
    tmp_path: Path,
    own: list[dict[str, Any]],
    rival: list[dict[str, Any]],
    *,
    accounts: list[AccountEntry] | None = None,
) -> Runtime:
    root = tmp_path / "u1"
    write_manifest(root, accounts if accounts is not None else [ME, RIVAL])
    _write(root, "acc_me", Dataset.FOLLOWERS, own)
    _write(root, "acc_rival", Dataset.FOLLOWERS, rival)
    return Runtime(root)


# Own: 1-6. Rival: 4-10. Shared: 4, 5, 6.
OWN = [
    _follower("1", 10),
    _follower("2", 20),
    _follower("3", 30),
    _follower("4", 10_000),
    _follower("5", 100),
    _follower("6", 1_000_000, verified=True, verified_type="business"),
]
RIVAL_ONLY = [
    _follower("7", 500, location="Berlin, Germany"),
    _follower("8", 2_000_000, location="London, UK"),
    _follower("9", 50_000, location="london"),
    _follower("10", 5),
]
RIVALS = [_follower("4", 10_000), _follower("5", 100), _follower("6", 1_000_000), *RIVAL_ONLY]


def _overlap(rt: Runtime, **args: Any) -> CompetitorOverlapResult:
    return run_competitor_overlap(rt, CompetitorOverlapArgs(account_id="acc_me", **args))


def _targets(rt: Runtime, **args: Any) -> CompetitorTargetsResult:
    return run_competitor_targets(rt, CompetitorTargetsArgs(account_id="acc_me", **args))


def _compare(rt: Runtime, **args: Any) -> CompetitorComparisonResult:
    return run_competitor_comparison(rt, CompetitorComparisonArgs(account_id="acc_me", **args))


# --- which competitor --------------------------------------------------------------------------------


def test_the_only_competitor_is_used_when_none_is_named_and_any_spelling_of_a_handle_finds_it(tmp_path: Path):
    rt = _workspace(tmp_path, OWN, RIVALS)

    assert resolve_competitor(rt, None) == RIVAL
    for spelling in ("rival", "@RIVAL", " @Rival ", "RiVaL"):
        assert resolve_competitor(rt, spelling) == RIVAL


def test_no_competitor_imported_says_how_to_import_one(tmp_path: Path):
    rt = _workspace(tmp_path, OWN, RIVALS, accounts=[ME])

    for handle in (None, "rival"):
        with pytest.raises(NoAudienceData) as raised:
            resolve_competitor(rt, handle)
        assert import_hint(Dataset.FOLLOWERS, handle or "HANDLE", competitor=True) in raised.value.message


def test_several_competitors_need_a_name_and_an_unknown_one_lists_the_known(tmp_path: Path):
    other = AccountEntry("acc_other", "other_co", "competitor")
    rt = _workspace(tmp_path, OWN, RIVALS, accounts=[ME, RIVAL, other])

    with pytest.raises(InvalidInput) as several:
        resolve_competitor(rt, None)
    assert several.value.field == "competitor"
    assert "@other_co" in several.value.message and "@Rival" in several.value.message

    with pytest.raises(NotFound) as unknown:
        resolve_competitor(rt, "@nobody")
    assert "@nobody" in unknown.value.message
    assert "@other_co" in unknown.value.message and "@Rival" in unknown.value.message

    with pytest.raises(InvalidInput) as own:
        resolve_competitor(rt, "@me")
    assert own.value.field == "competitor" and "your own account" in own.value.message

    assert resolve_competitor(rt, "OTHER_CO") == other


# --- competitor_overlap --------------------------------------------------------------------------------


def test_overlap_counts_jaccard_and_shares_are_exact(tmp_path: Path):
    result = _overlap(_workspace(tmp_path, OWN, RIVALS))

    o = result.overlap
    assert (o.own_followers, o.competitor_followers, o.shared) == (6, 7, 3)
    assert (o.only_own, o.only_competitor) == (3, 4)
    assert o.jaccard == 0.3  # 3 / (6 + 7 - 3)
    assert o.shared_share_of_own == 0.5
    assert o.shared_share_of_competitor == 0.4286  # 3 / 7
    assert result.competitor.handle == "Rival" and result.account.account_id == "acc_me"


def test_shared_followers_are_ranked_by_the_users_value_score_with_reasons(tmp_path: Path):
    rt = _workspace(tmp_path, OWN, RIVALS)

    result = _overlap(rt, limit=2)

    assert [f.id for f in result.top_shared] == ["6", "4"]
    assert [f.rank for f in result.top_shared] == [1, 2]
    assert result.top_shared[0].reasons[0] == "reach: 1M followers"
    assert result.top_shared[0].verified is True  # the user's snapshot says so, not the rival's
    assert [f.id for f in _overlap(rt, limit=10).top_shared] == ["6", "4", "5"]


def test_overlap_evidence_lists_both_snapshots_and_sample_sizes(tmp_path: Path):
    rt = _workspace(tmp_path, OWN, RIVALS)

    evidence = _overlap(rt).evidence

    assert [(s.account_id, s.dataset, s.rows) for s in evidence.sources] == [
        ("acc_me", "followers", 6),
        ("acc_rival", "followers", 7),
    ]
    assert evidence.sources[0].snapshot == rt.source("acc_me", Dataset.FOLLOWERS).snapshot.id
    assert evidence.sample_sizes == {"own_followers": 6, "competitor_followers": 7, "shared": 3}
    assert evidence.rows_matched == 3


def test_no_shared_follower_gives_zero_overlap_and_a_note(tmp_path: Path):
    result = _overlap(_workspace(tmp_path, OWN[:3], RIVAL_ONLY))

    assert (result.overlap.shared, result.overlap.jaccard) == (0, 0.0)
    assert result.top_shared == []
    assert "@Rival" in result.notes[0]


def test_a_competitor_without_followers_says_what_to_import(tmp_path: Path):
    root = tmp_path / "u1"
    write_manifest(root, [ME, RIVAL])
    _write(root, "acc_me", Dataset.FOLLOWERS, OWN)

    with pytest.raises(NoAudienceData) as raised:
        _overlap(Runtime(root))
    assert "@Rival" in raised.value.message
    assert import_hint(Dataset.FOLLOWERS, "Rival", competitor=True) in raised.value.message


# --- competitor_targets --------------------------------------------------------------------------------


def test_targets_are_the_competitors_followers_who_do_not_follow_you_best_first(tmp_path: Path):
    result = _targets(_workspace(tmp_path, OWN, RIVALS))

    assert [t.id for t in result.targets] == ["8", "9", "7", "10"]
    assert (result.competitor_followers, result.not_following_you, result.matched) == (7, 4, 4)
    assert result.targets[0].reasons[0] == "reach: 2M followers"
    assert result.evidence.sources[0].account_id == "acc_rival"
    assert result.evidence.sample_sizes["not_following_you"] == 4


def test_targets_filter_by_location_and_min_followers_and_page_with_offset(tmp_path: Path):
    rt = _workspace(tmp_path, OWN, RIVALS)

    london = _targets(rt, location="LONDON")
    assert [t.id for t in london.targets] == ["8", "9"] and london.matched == 2
    assert london.evidence.filters == {"location": "LONDON", "competitor": "Rival", "limit": 10, "offset": 0}

    big = _targets(rt, min_followers=500)
    assert [t.id for t in big.targets] == ["8", "9", "7"]

    page = _targets(rt, limit=2, offset=2)
    assert [(t.rank, t.id) for t in page.targets] == [(3, "7"), (4, "10")]

    past = _targets(rt, offset=10)
    assert past.targets == [] and "Offset 10" in past.notes[0]


def test_targets_when_every_competitor_follower_already_follows_you(tmp_path: Path):
    result = _targets(_workspace(tmp_path, OWN, OWN[:2]))

    assert result.not_following_you == 0 and result.targets == []
    assert "already follows you" in result.notes[0]


def test_a_synthetic_pair_has_exactly_the_planted_overlap(tmp_path: Path):
    audience = generate(3_000, seed=5, competitor_overlap=0.3)
    assert audience.competitor_users is not None
    root = tmp_path / "u1"
    write_manifest(root, [ME, RIVAL])
    _write(root, "acc_me", Dataset.FOLLOWERS, parse_user_objects(audience.users).table)
    _write(root, "acc_rival", Dataset.FOLLOWERS, parse_user_objects(audience.competitor_users).table)
    rt = Runtime(root)

    overlap = _overlap(rt, limit=100).overlap
    own_ids = {u["id"] for u in audience.users}
    rival_ids = {u["id"] for u in audience.competitor_users}
    shared = len(own_ids & rival_ids)
    assert shared == audience.shared == 900
    assert overlap.shared == shared
    assert overlap.jaccard == round(shared / len(own_ids | rival_ids), 4)

    targets = _targets(rt, limit=100)
    assert targets.not_following_you == len(rival_ids - own_ids)
    assert all(t.id in rival_ids - own_ids for t in targets.targets)
    scores = [t.score for t in targets.targets]
    assert scores == sorted(scores, reverse=True)


# --- posts ---------------------------------------------------------------------------------------------

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)


def _post(
    id: str,
    at: datetime,
    text: str,
    likes: int = 0,
    reposts: int = 0,
    replies: int = 0,
    quotes: int = 0,
    impressions: int | None = None,
    **values: Any,
) -> dict[str, Any]:
    return {"id": id, "author_id": "1", "text": text, "created_at": at, "like_count": likes,
            "retweet_count": reposts, "reply_count": replies, "quote_count": quotes,
            "impression_count": impressions, **values}  # fmt: skip


# Mine: 3 posts over exactly 2 weeks, all on Mondays at 14:10, 15:30 and 14:10 UTC; engagement 13, 6, 2.
MY_POSTS = [
    _post("101", MONDAY + timedelta(hours=14, minutes=10), "Launching #AI tools for founders",
          likes=10, reposts=2, replies=1, impressions=1_000),
    _post("102", MONDAY + timedelta(days=7, hours=15, minutes=30), "Growth tips for founders #growth",
          likes=5, quotes=1, impressions=500),
    {**_post("103", MONDAY + timedelta(days=14, hours=14, minutes=10), "hello world", likes=2),
     "retweet_count": None, "reply_count": None, "quote_count": None},
    # A repost carries the original's metrics, so it is left out.
    _post("104", MONDAY + timedelta(days=15), "RT someone", reposts=500, referenced_type="retweeted"),
]  # fmt: skip
# The rival's: 6 posts over exactly 1 week at 16:00 UTC (Mon, Tue, Wed, Thu, Fri, Mon), 30 each.
RIVAL_DAYS = (0, 1, 2, 3, 4, 7)
RIVAL_TEXTS = {3: "#ai for teams", 4: "pricing notes", 7: "pricing notes"}
RIVAL_POSTS = [
    _post(str(200 + day), MONDAY + timedelta(days=day, hours=16),
          RIVAL_TEXTS.get(day, "Ship faster with #AI agents #SaaS"),
          likes=20, reposts=5, replies=3, quotes=2, impressions=2_000)
    for day in RIVAL_DAYS
]  # fmt: skip


def _with_posts(
    tmp_path: Path, mine: list[dict[str, Any]] | None, theirs: list[dict[str, Any]] | None
) -> Runtime:
    rt = _workspace(tmp_path, OWN, RIVALS)
    if mine is not None:
        _write(rt.root, "acc_me", Dataset.TWEETS, mine)
    if theirs is not None:
        _write(rt.root, "acc_rival", Dataset.TWEETS, theirs)
    return rt


def _posts(rt: Runtime, notes: list[str]) -> PostComparison | None:
    comparison, _ = compare_posts(rt, rt.source("acc_me", Dataset.FOLLOWERS), RIVAL, notes)
    return comparison


def test_post_figures_are_exact(tmp_path: Path):
    notes: list[str] = []
    comparison = _posts(_with_posts(tmp_path, MY_POSTS, RIVAL_POSTS), notes)

    assert comparison is not None and notes == []
    mine, theirs = comparison.own, comparison.competitor
    assert (mine.posts, mine.posts_with_metrics, mine.posts_with_impressions) == (3, 3, 2)
    assert mine.engagement_per_post == 7.0  # (13 + 6 + 2) / 3
    assert mine.engagement_per_1k_impressions == 12.67  # 1000 * (13 + 6) / 1500
    assert (mine.weeks, mine.posts_per_week) == (2.0, 1.5)
    assert [(s.slot, s.posts) for s in mine.top_hours] == [("14:00", 2), ("15:00", 1)]
    assert mine.peak_window is not None and mine.peak_window.slot == "13:00-16:00"
    assert [(s.slot, s.posts, s.share) for s in mine.top_weekdays] == [("Monday", 3, 1.0)]
    assert [(t.term, t.posts) for t in mine.top_hashtags] == [("#ai", 1), ("#growth", 1)]
    assert ("founders", 2) in [(t.term, t.posts) for t in mine.top_terms]

    assert (theirs.posts, theirs.engagement_per_post, theirs.engagement_per_1k_impressions) == (6, 30.0, 15.0)
    assert (theirs.weeks, theirs.posts_per_week) == (1.0, 6.0)
    assert theirs.peak_window is not None and theirs.peak_window.slot == "15:00-18:00"
    assert [(s.slot, s.posts) for s in theirs.top_weekdays] == [
        ("Monday", 2),
        ("Tuesday", 1),
        ("Wednesday", 1),
    ]
    assert [(t.term, t.posts) for t in theirs.top_hashtags] == [("#ai", 4), ("#saas", 3)]

    assert comparison.posts_per_week_ratio == 4.0
    assert comparison.engagement_per_post_ratio == 4.29
    assert comparison.engagement_per_1k_impressions_ratio == 1.18


def test_post_suggestions_quote_the_numbers(tmp_path: Path):
    comparison = _posts(_with_posts(tmp_path, MY_POSTS, RIVAL_POSTS), [])
    assert comparison is not None

    rhythm, topics = rhythm_suggestion(comparison, "@Rival"), topics_suggestion(comparison, "@Rival")
    assert rhythm is not None and topics is not None

    assert rhythm.startswith(
        "@Rival posts 4.0x as often as you (6.0 vs 1.5 posts/week), mostly 15:00-18:00 UTC, and gets 4.3x "
        "your engagement per post (30.0 vs 7.0; per 1K impressions 15.0 vs 12.7)"
    )
    assert "15:00-18:00 UTC (yours peak at 13:00-16:00)" in rhythm
    assert "#saas (3 posts)" in topics and "#ai" not in topics


@pytest.mark.parametrize(
    ("mine", "theirs", "missing", "competitor"),
    [(MY_POSTS, None, "Rival", True), (None, RIVAL_POSTS, "me", False)],
)
def test_missing_posts_for_either_account_leave_posts_out_with_what_to_import(
    tmp_path: Path,
    mine: list[dict[str, Any]] | None,
    theirs: list[dict[str, Any]] | None,
    missing: str,
    competitor: bool,
):
    notes: list[str] = []

    assert _posts(_with_posts(tmp_path, mine, theirs), notes) is None
    assert len(notes) == 1
    assert f"no posts imported for @{missing}" in notes[0]
    assert import_hint(Dataset.TWEETS, missing, competitor=competitor) in notes[0]


# --- competitor_comparison -----------------------------------------------------------------------------

# Each profile stands for ten followers (ids `<n>00`-`<n>09`), so shares are easy and samples are not tiny.
MY_PROFILES = [
    ("1", "python developer", "London, UK", 50, False),
    ("2", "python developer and data nerd", "London", 150, False),
    ("3", "data science python", "Berlin, Germany", 5_000, False),
    ("4", "python data", "Paris", 20_000, True),
    ("5", "yoga teacher", "London, UK", 200_000, False),
    ("6", "yoga and travel", None, None, False),
    ("7", None, "the moon", 80, False),
    ("8", "cats", "Berlin", 1_000, False),
]
RIVAL_PROFILES = [
    ("11", "yoga teacher", "Berlin, Germany", 120, True),
    ("12", "yoga travel", "Berlin", 3_000, False),
    ("13", "yoga and travel", "Paris", 40_000, False),
    ("14", "travel yoga life", "London", 500_000, False),
    ("4", "python data", "Paris", 20_000, True),  # follows both
    ("16", "dogs", "Austin, TX", 10, False),
]


def _tenfold(profiles: list[tuple[str, str | None, str | None, int | None, bool]]) -> list[dict[str, Any]]:
    return [
        _follower(f"{n}{k:02d}", followers, description=bio, location=place, verified=verified,
                  verified_type="business" if verified else None)
        for n, bio, place, followers, verified in profiles
        for k in range(10)
    ]  # fmt: skip


def _comparison_workspace(tmp_path: Path, *, posts: bool) -> Runtime:
    rt = _workspace(tmp_path, _tenfold(MY_PROFILES), _tenfold(RIVAL_PROFILES))
    if posts:
        _write(rt.root, "acc_me", Dataset.TWEETS, MY_POSTS)
        _write(rt.root, "acc_rival", Dataset.TWEETS, RIVAL_POSTS)
    return rt


def _shares(rows: list[Any]) -> list[tuple[str, int, float, int, float]]:
    return [(r.name, r.own_count, r.own_share, r.competitor_count, r.competitor_share) for r in rows]


def test_comparison_figures_bands_and_places_are_exact(tmp_path: Path):
    result = _compare(_comparison_workspace(tmp_path, posts=False))

    own, rival = result.own_audience, result.competitor_audience
    assert (own.followers, own.verified, own.verified_share) == (80, 10, 0.125)
    assert (rival.followers, rival.verified, rival.verified_share) == (60, 20, 0.3333)
    # Mine: 50 80 150 1000 5000 20000 200000 (one unknown); theirs: 10 120 3000 20000 40000 500000.
    assert (own.median_followers, own.with_follower_count) == (1_000.0, 70)
    assert (rival.median_followers, rival.with_follower_count) == (11_500.0, 60)
    assert _shares(result.size_bands) == [
        ("<100", 20, 0.2857, 10, 0.1667),
        ("100-1K", 10, 0.1429, 10, 0.1667),
        ("1K-10K", 20, 0.2857, 10, 0.1667),
        ("10K-100K", 10, 0.1429, 20, 0.3333),
        ("100K+", 10, 0.1429, 10, 0.1667),
    ]
    assert (own.placed, rival.placed) == (60, 60)  # "the moon" and no location are not placed
    assert _shares(result.countries) == [
        ("United Kingdom", 30, 0.5, 10, 0.1667),
        ("France", 10, 0.1667, 20, 0.3333),
        ("Germany", 20, 0.3333, 20, 0.3333),
        ("United States", 0, 0.0, 10, 0.1667),
    ]
    assert _shares(result.cities)[:2] == [
        ("London, GB", 30, 0.5, 10, 0.1667),
        ("Berlin, DE", 20, 0.3333, 20, 0.3333),
    ]
    o = result.overlap
    assert (o.shared, o.only_own, o.only_competitor, o.jaccard) == (10, 70, 50, 0.0769)


def test_segments_are_learned_on_your_audience_and_compared_as_shares(tmp_path: Path):
    result = _compare(_comparison_workspace(tmp_path, posts=False))

    by_name = {row.name.split(" · ")[0]: row for row in result.segments}
    # How segments are learned is `segments-v1`'s business; the two planted interests must come out.
    python, yoga = by_name["python"], by_name["yoga"]
    assert (python.own_count, python.own_share, python.competitor_count, python.competitor_share) == (
        40, 0.5, 10, 0.1667
    )  # fmt: skip
    assert (yoga.own_count, yoga.own_share, yoga.competitor_count, yoga.competitor_share) == (
        20,
        0.25,
        40,
        0.6667,
    )
    assert yoga.difference == 0.4167
    assert result.segments[0].name == yoga.name  # the biggest difference first
    assert result.own_audience.segmented == sum(row.own_count for row in result.segments)
    assert result.competitor_audience.segmented == sum(row.competitor_count for row in result.segments)


def test_comparison_without_posts_notes_what_to_import_and_still_suggests(tmp_path: Path):
    result = _compare(_comparison_workspace(tmp_path, posts=False))

    assert result.posts is None
    assert any(import_hint(Dataset.TWEETS, "me") in note for note in result.notes)
    assert any(import_hint(Dataset.TWEETS, "Rival", competitor=True) in note for note in result.notes)
    assert 3 <= len(result.suggestions) <= 5
    segment, place, targets, reach = result.suggestions
    assert (
        segment.startswith("Segment 'yoga")
        and "67% of @Rival's audience vs 25% of yours (40 vs 20" in segment
    )
    assert place.startswith("33% of @Rival's placed followers are in France vs 17% of yours (20 vs 10)")
    assert targets.startswith("50 of @Rival's 60 followers (83%) do not follow you yet")
    assert reach.startswith(
        "@Rival's followers have a median of 11,500 followers vs 1,000 for yours; "
        "50% have 10K+ followers vs 29%"
    )
    assert [s.dataset for s in result.evidence.sources] == ["followers", "followers"]


def test_comparison_with_posts_puts_rhythm_first_and_lists_all_four_snapshots(tmp_path: Path):
    result = _compare(_comparison_workspace(tmp_path, posts=True), competitor="@rival")

    assert result.posts is not None and result.posts.engagement_per_post_ratio == 4.29
    assert result.notes == []
    assert len(result.suggestions) == 5
    assert result.suggestions[0].startswith("@Rival posts 4.0x as often as you")
    assert result.suggestions[1].startswith("Segment 'yoga")
    assert "#saas (3 posts)" in result.suggestions[2]
    evidence = result.evidence
    assert [(s.account_id, s.dataset) for s in evidence.sources] == [
        ("acc_me", "followers"),
        ("acc_rival", "followers"),
        ("acc_me", "tweets"),
        ("acc_rival", "tweets"),
    ]
    assert evidence.sample_sizes["own_posts"] == 3 and evidence.sample_sizes["competitor_posts"] == 6
    assert evidence.sample_sizes["own_placed"] == 60 and evidence.sample_sizes["competitor_followers"] == 60


def test_two_alike_audiences_still_get_three_suggestions_from_facts_that_hold(tmp_path: Path):
    audience = _tenfold(MY_PROFILES)
    result = _compare(_workspace(tmp_path, audience, audience))

    assert result.overlap.jaccard == 1.0
    assert all(row.difference == 0 for row in [*result.segments, *result.countries, *result.size_bands])
    overlap, posts, segment = result.suggestions
    assert overlap.startswith("80 accounts follow both of you (100% of your audience, Jaccard 1.00)")
    assert posts.startswith("Import your posts and @Rival's (--kind tweets)")
    assert segment.startswith("Segment 'python") and "(50%; 50% of yours)" in segment


# --- the wire ------------------------------------------------------------------------------------------


def test_the_tools_answer_over_the_runtime_protocol(tmp_path: Path):
    rt = _workspace(tmp_path, OWN, RIVALS)

    overlap = rt.handle(
        {"id": 1, "tool": "competitor_overlap", "args": {"account_id": "acc_me", "competitor": "@RIVAL"}}
    )
    assert overlap["ok"] is True
    assert overlap["result"]["overlap"]["shared"] == 3 and overlap["result"]["overlap"]["jaccard"] == 0.3
    assert [f["id"] for f in overlap["result"]["top_shared"]] == ["6", "4", "5"]

    targets = rt.handle(
        {"id": 2, "tool": "competitor_targets", "args": {"account_id": "acc_me", "limit": 1, "offset": 1}}
    )
    assert targets["ok"] is True and [t["id"] for t in targets["result"]["targets"]] == ["9"]

    unknown = rt.handle(
        {"id": 3, "tool": "competitor_comparison", "args": {"account_id": "acc_me", "competitor": "x"}}
    )
    assert unknown["ok"] is False and unknown["error"]["type"] == "NotFound"

    typo = rt.handle(
        {"id": 4, "tool": "competitor_targets", "args": {"account_id": "acc_me", "competitors": "x"}}
    )
    assert typo["ok"] is False and typo["error"]["field"] == "competitors"
