"""The pandas baseline (`benchmarks/pandas_analytics.py`): its building blocks on data small enough to check
by hand, and every `bench analytics` case agreeing with our tools on a small synthetic account."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from followlytics.bench_analytics import CASES, _frames, _load_pandas_module, bench_analytics  # noqa: E402

baseline = _load_pandas_module()
pytestmark = pytest.mark.skipif(baseline is None, reason="needs the repository's benchmarks/ and pandas")


def _terms(*bios: str) -> set[tuple[int, str, str]]:
    found = baseline.bio_terms(pd.Series(list(bios)))
    return set(found.itertuples(index=False, name=None))


def test_bio_terms_count_each_term_once_and_join_phrases_only_across_clean_breaks() -> None:
    found = _terms("Backend dev. Rust", "Rust dev #rust python python", "")
    assert found == {
        (0, "backend", "word"),
        (0, "dev", "word"),
        (0, "rust", "word"),
        (0, "backend dev", "phrase"),  # "dev. Rust" has a full stop between: no phrase
        (1, "rust", "word"),
        (1, "dev", "word"),
        (1, "rust dev", "phrase"),
        (1, "rust", "hashtag"),
        (1, "python", "word"),  # twice in the bio, once here
        (1, "python python", "phrase"),
    }


def test_louvain_splits_two_triangles_joined_by_one_weak_edge() -> None:
    weights = np.zeros((6, 6))
    for a, b in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]:
        weights[a, b] = weights[b, a] = 1.0
    weights[2, 3] = weights[3, 2] = 0.1
    assert sorted(baseline.louvain(weights)) == [[0, 1, 2], [3, 4, 5]]


def test_segments_assignment_takes_most_terms_and_ties_go_to_the_lower_segment() -> None:
    hits = pd.DataFrame(
        {"doc": [0, 0, 0, 1, 1, 2, 3], "segment": [2, 2, 1, 1, 2, 9, 3]},
    )
    assert baseline.assign(hits, count=8).to_dict() == {0: 2, 1: 1, 3: 3}  # doc 2 only uses segment 9


def test_peak_window_wraps_midnight_and_breaks_ties_by_the_busier_centre_hour() -> None:
    wrapped = pd.Series({22: 5, 23: 5, 0: 5, 1: 1})
    assert baseline._peak_window(wrapped, 16) == ("22:00-01:00", 15, 0.9375)
    tied = pd.Series({5: 1, 6: 4, 7: 1, 12: 3, 13: 2, 14: 1})  # 05:00 and 12:00 both start 6 posts
    assert baseline._peak_window(tied, 12) == ("05:00-08:00", 6, 0.5)


def test_best_slots_fold_weekdays_with_the_same_score_at_one_hour() -> None:
    score = pd.Series(0.0, index=range(168))
    score[0 * 24 + 20] = score[1 * 24 + 20] = 0.9  # Monday and Tuesday 20:00
    score[2 * 24 + 9] = 0.8
    score[3 * 24 + 9] = 0.5
    assert baseline.best_slots(score) == [(20, ["Tuesday"]), (57, []), (81, [])]


def test_overlap_and_changes_by_id() -> None:
    own = pd.DataFrame({"id": ["a", "b", "c", "d"]})
    rival = pd.DataFrame({"id": ["c", "d", "e"]})
    assert baseline.overlap(own, rival) == {
        "own": 4,
        "competitor": 3,
        "shared": 2,
        "jaccard": 0.4,
        "of_own": 0.5,
        "of_competitor": 0.6667,
    }
    now = pd.DataFrame(
        {
            "id": ["a", "b", "x", "y"],
            "followers_count": [5, 7, 300, 300],
            "verified": [False, False, False, True],
            "verified_type": ["none", None, None, "blue"],
        }
    )
    before = now.iloc[:2].assign(id=["a", "gone"])
    changes = baseline._pandas_changes({"own.followers": now, "own.followers.previous": before}, {})
    assert (changes["gained"], changes["lost"], changes["net"], changes["growth"]) == (3, 1, 2, 100.0)
    assert changes["gains"] == ["y", "x", "b"]  # same count: verified first
    assert (changes["verified_gained"], changes["verified_lost"]) == (1, 0)


def test_every_bench_case_agrees_with_pandas_on_a_small_account(tmp_path: Path) -> None:
    report = bench_analytics(4000, 1, data_dir=tmp_path)
    assert report["summary"]["cases_failed"] == []
    assert report["summary"]["cases_compared"] == len(CASES)
    disagreeing = {c["case"]: c.get("difference") for c in report["cases"] if not c["agree"]}
    assert disagreeing == {}
    # The views compared are not empty: segments, trends and post figures exist at this size.
    frames = _frames(Path(report["data"]) / "user")
    themes = baseline.CHECKS["audience_themes"][0](frames, {})
    ideas = baseline.CHECKS["content_ideas"][0](frames, {})
    assert len(themes["segments"]) >= 5 and all(size > 0 for _, _, size, _ in themes["segments"])
    assert ideas["trends"] and ideas["window"]["previous_posts"] > 0
