"""Audience themes: terms, stop words, segments, languages and the `audience_themes` tool, on hand-made bios
and a synthetic audience with planted topics."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from followlytics.analytics import text
from followlytics.analytics.segments import assign_segments
from followlytics.analytics.terms import build_tables, term_index
from followlytics.analytics.themes import AudienceThemesArgs, AudienceThemesResult, run_audience_themes
from followlytics.audience.datasets import Dataset
from followlytics.audience.importers import parse_files
from followlytics.audience.manifest import AccountEntry, write_manifest
from followlytics.audience.paths import account_dir
from followlytics.audience.snapshots import write_snapshot
from followlytics.audience.synth import write_jsonl
from followlytics.audience.synth_vocabulary import BIOS, LANGUAGES, TOPICS
from followlytics.errors import InvalidInput, NoAudienceData
from followlytics.sandbox.runtime import Runtime

# Three clear interests: four software engineers, four pastry cooks, three techno DJs; one bio of stop
# words only and one empty bio. Follower counts decide the example members.
BIOS_12 = [
    ("1", "Software engineer #Python 🚀", 500, "London"),
    ("2", "Software engineer and coffee lover #python", 90, "Berlin, Germany"),
    ("3", "Backend developer #python 🚀", 7000, "Berlin"),
    ("4", "Software engineer #rust", 40, None),
    ("5", "Pastry chef 🍰 #baking", 300, "Paris"),
    ("6", "Pastry chef and baker #Baking", 3000, "Berlin"),
    ("7", "Home cook #baking 🍰", 20, None),
    ("8", "Pastry chef #vegan", 800, "London, UK"),
    ("9", "Techno DJ 🎧 #techno", 60, "Berlin"),
    ("10", "Techno DJ and producer #techno", 65, None),
    ("11", "DJ and producer 🎧", 65, "the moon"),
    ("12", "the and of it is", 5, None),
    ("13", "", 1, None),
]


def _rows(bios: list[tuple[str, str, int, str | None]]) -> list[dict[str, Any]]:
    return [
        {"id": i, "username": f"user{i}", "description": bio, "followers_count": n, "location": loc}
        for i, bio, n, loc in bios
    ]


def _write(root: Path, account: str, dataset: Dataset, rows: list[dict[str, Any]] | pa.Table) -> None:
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=dataset.schema)
    write_snapshot(account_dir(root, account), table, sources=["test"], dataset=dataset)


def _runtime(
    tmp_path: Path, rows: list[dict[str, Any]], rival: list[dict[str, Any]] | None = None
) -> Runtime:
    root = tmp_path / "u1"
    _write(root, "acc_me", Dataset.FOLLOWERS, rows)
    accounts = [AccountEntry("acc_me", "me", "own")]
    if rival is not None:
        _write(root, "acc_rival", Dataset.FOLLOWERS, rival)
        accounts.append(AccountEntry("acc_rival", "rival", "competitor"))
    write_manifest(root, accounts)
    return Runtime(root)


def _themes(rt: Runtime, **args: Any) -> AudienceThemesResult:
    return run_audience_themes(rt, AudienceThemesArgs(account_id="acc_me", **args))


def _pairs(items: list[Any]) -> list[tuple[str, int]]:
    return [(item.term, item.count) for item in items]


# --- terms ---------------------------------------------------------------------------------------------


def test_top_terms_count_followers_with_shares_of_all_followers(tmp_path: Path):
    result = _themes(_runtime(tmp_path, _rows(BIOS_12)), limit=4)

    assert result.followers == 13 and result.with_bio == 12
    assert _pairs(result.keywords) == [("chef", 3), ("dj", 3), ("engineer", 3), ("pastry", 3)]
    assert result.keywords[0].share == round(3 / 13, 4)
    assert _pairs(result.phrases) == [
        ("pastry chef", 3),
        ("software engineer", 3),
        ("techno dj", 2),
        ("backend developer", 1),
    ]
    # Hashtags are case-insensitive: #Python and #python are one.
    assert _pairs(result.hashtags) == [("#baking", 3), ("#python", 3), ("#techno", 2), ("#rust", 1)]
    assert _pairs(result.emoji) == [("🍰", 2), ("🎧", 2), ("🚀", 2)]


def test_a_term_repeated_in_one_bio_counts_that_follower_once(tmp_path: Path):
    rows = _rows([("1", "Chef, chef, CHEF! #food #Food", 1, None), ("2", "chef de cuisine", 1, None)])
    result = _themes(_runtime(tmp_path, rows))

    assert _pairs(result.keywords)[:1] == [("chef", 2)]
    assert _pairs(result.hashtags) == [("#food", 1)]


@pytest.mark.parametrize(
    ("bio", "words"),
    [
        ("The best coffee in the world, and the best tea", ["coffee", "world", "tea"]),
        ("Desarrollador de software y amante del café", ["desarrollador", "software", "amante", "café"]),
        ("Je suis développeur et je code avec Python", ["développeur", "code", "python"]),
        ("Ich bin Entwicklerin und mag die Berge", ["entwicklerin", "mag", "berge"]),
        ("Sou desenvolvedora e amo o meu trabalho com dados", ["desenvolvedora", "amo", "dados"]),
        ("機械学習とPythonが好きです", ["機械学習", "python"]),
        ("Dev at @acme https://t.co/abc github.com since 2009 - a b c x 100", ["dev"]),
    ],
)
def test_stop_words_urls_mentions_numbers_and_single_letters_are_dropped(bio: str, words: list[str]):
    assert text.text_terms(bio).words == words


def test_phrases_never_cross_punctuation_or_stop_words():
    assert text.text_terms("Backend dev. Rust, Go and too much coffee lover").phrases == [
        "backend dev",
        "coffee lover",
    ]


def test_emoji_are_counted_without_skin_tones_or_variation_selectors():
    terms = text.text_terms("Lifting 💪🏽💪 and ⚙️ stuff 🧑‍💻 🇩🇪")
    assert terms.emoji == ["💪", "⚙", "🧑\u200d💻", "🇩🇪"]


def test_texts_cut_in_parts_give_the_same_tables_as_in_one_part(tmp_path: Path):
    rt = _runtime(tmp_path, _rows(BIOS_12))
    source = rt.source("acc_me", Dataset.FOLLOWERS)

    def readable(tables: Any) -> tuple[set[tuple[int, str, str]], dict[tuple[str, str], int], list[Any]]:
        vocab = tables.vocab.to_pylist()
        rows = {
            (r["rid"], vocab[r["term"]]["text"], vocab[r["term"]]["kind"]) for r in tables.terms.to_pylist()
        }
        return rows, {(v["text"], v["kind"]): v["docs"] for v in vocab}, tables.docs.to_pylist()

    whole = readable(build_tables(rt.connection, source.table, "description"))
    assert readable(build_tables(rt.connection, source.table, "description", part_size=5)) == whole
    assert readable(build_tables(rt.connection, source.table, "description", part_size=1)) == whole


def test_the_vectorised_tables_split_texts_exactly_as_text_terms_does(tmp_path: Path):
    bios = [bio for _, bio, _, _ in BIOS_12] + [
        "Développeur web passionné | she/her",
        "Webエンジニアやってます。NFTコレクター",
        "Coffee ☕️ first\nthen code #100DaysOfCode",
    ]
    root = tmp_path / "u1"
    _write(root, "acc_me", Dataset.FOLLOWERS, _rows([(str(i), b, 1, None) for i, b in enumerate(bios)]))
    rt = Runtime(root)
    source = rt.source("acc_me", Dataset.FOLLOWERS)
    tables = build_tables(rt.connection, source.table, "description")
    vocab = tables.vocab.to_pylist()
    found: dict[int, set[tuple[str, str]]] = {}
    for row in tables.terms.to_pylist():
        term = vocab[row["term"]]
        found.setdefault(row["rid"], set()).add((term["text"], term["kind"]))
    languages = dict(
        zip(tables.docs.column("rid").to_pylist(), tables.docs.column("lang").to_pylist(), strict=True)
    )
    for rid, bio in enumerate(bios):
        if not bio:
            assert rid not in languages
            continue
        expected = text.text_terms(bio)
        wanted = {(w, text.WORD) for w in expected.words} | {(p, text.PHRASE) for p in expected.phrases}
        wanted |= {(h, text.HASHTAG) for h in expected.hashtags} | {(e, text.EMOJI) for e in expected.emoji}
        assert found.get(rid, set()) == wanted, bio
        assert languages[rid] == expected.language, bio


# --- languages -----------------------------------------------------------------------------------------


def test_languages_are_guessed_from_stop_words_and_script_and_the_rest_are_counted_unknown(tmp_path: Path):
    bios = [
        ("1", "I love the sea and the mountains", 1, None),
        ("2", "Me encanta el mar y la montaña", 1, None),
        ("3", "Desarrolladora de software en una startup", 1, None),
        ("4", "J'aime la mer et les montagnes", 1, None),
        ("5", "Ich liebe das Meer und die Berge", 1, None),
        ("6", "猫と暮らしてます", 1, None),
        ("7", "Pastry chef", 1, None),  # no stop word, no telling letter: unknown
    ]
    result = _themes(_runtime(tmp_path, _rows(bios)))

    assert [(lang.code, lang.count) for lang in result.languages] == [
        ("es", 2),
        ("de", 1),
        ("en", 1),
        ("fr", 1),
        ("ja", 1),
    ]
    assert result.languages[0].language == "Spanish" and result.languages[0].share == round(2 / 7, 4)
    assert result.language_unknown == 1
    assert result.evidence.sample_sizes["language_guessed"] == 6
    assert any("1 of 7 bios" in note for note in result.notes)


def test_guess_language_says_none_when_it_cannot_tell():
    assert text.guess_language("Pastry chef") is None
    assert text.guess_language("") is None
    assert text.guess_language("Trader y entusiasta de blockchain. Fotógrafo") == "es"
    assert text.guess_language("Jornalista de política #eleições") == "pt"


# --- segments ------------------------------------------------------------------------------------------


def test_segments_group_terms_used_together_and_name_them_with_sizes_shares_and_examples(tmp_path: Path):
    result = _themes(_runtime(tmp_path, _rows(BIOS_12)))

    assert [(s.index, s.size) for s in result.segments] == [(1, 4), (2, 4), (3, 3)]
    food, tech, music = result.segments
    assert set(food.top_terms) == {"#baking", "chef", "pastry", "🍰"}
    assert set(tech.top_terms) == {"#python", "engineer", "software", "🚀"}
    assert set(music.top_terms) == {"#techno", "dj", "producer", "techno", "🎧"}
    # Named by the terms most typical of the segment: all food members use #baking, chef or pastry.
    assert food.name == "chef · pastry · #baking"
    assert food.share == round(4 / 13, 4)
    # Example members: most followers first, ties by id.
    assert food.examples == ["user6", "user8", "user5"]
    assert tech.examples == ["user3", "user1", "user2"]
    assert music.examples == ["user10", "user11", "user9"]
    assert result.segmented == 11
    assert result.evidence.sample_sizes["segmented"] == 11


def test_segments_argument_caps_how_many_are_formed(tmp_path: Path):
    result = _themes(_runtime(tmp_path, _rows(BIOS_12)), segments=2)
    assert [s.index for s in result.segments] == [1, 2]
    assert result.segmented == 8


def test_assign_segments_gives_every_follower_a_row_with_null_when_no_term_matched(tmp_path: Path):
    rt = _runtime(tmp_path, _rows(BIOS_12))
    source = rt.source("acc_me", Dataset.FOLLOWERS)
    assignment = assign_segments(rt, source, count=8)

    rows = dict(rt.connection.execute(f"SELECT id, segment FROM {assignment.table}").fetchall())
    assert len(rows) == 13
    assert rows["12"] is None and rows["13"] is None  # stop words only; empty bio
    assert rows["3"] == rows["1"] == 2  # "Backend developer #python 🚀" joins the engineers by its tags
    assert rows["7"] == 1 and rows["11"] == 3
    assert (assignment.followers, assignment.segmented) == (13, 11)
    with pytest.raises(InvalidInput):
        assign_segments(rt, source, count=11)


def test_a_reference_audience_defines_the_segments_another_audience_is_sorted_into(tmp_path: Path):
    rival = _rows(
        [
            ("21", "Software engineer at a bank", 10, None),
            ("22", "Pastry chef #baking", 10, None),
            ("23", "Pastry chef in Lyon", 10, None),
            ("24", "Gardener #plants #plants", 10, None),  # nothing the reference knows
            ("25", "Gardener and #plants lover", 10, None),
        ]
    )
    rt = _runtime(tmp_path, _rows(BIOS_12), rival=rival)
    own = rt.source("acc_me", Dataset.FOLLOWERS)
    theirs = rt.source("acc_rival", Dataset.FOLLOWERS)

    mine = assign_segments(rt, own, count=8)
    applied = assign_segments(rt, theirs, reference=own, count=8)

    assert [(s.index, s.name) for s in applied.segments] == [(s.index, s.name) for s in mine.segments]
    assert [s.size for s in applied.segments] == [2, 1, 0]
    rows = dict(rt.connection.execute(f"SELECT id, segment FROM {applied.table}").fetchall())
    assert rows == {"21": 2, "22": 1, "23": 1, "24": None, "25": None}
    # Learned on its own, the rival audience gets a gardening segment the reference does not have.
    alone = assign_segments(rt, theirs, count=8)
    assert any("gardener" in s.top_terms for s in alone.segments)


def test_the_location_filter_counts_only_matching_followers_against_the_same_segments(tmp_path: Path):
    result = _themes(_runtime(tmp_path, _rows(BIOS_12)), location="berlin")

    assert result.followers == 4 and result.with_bio == 4  # followers 2, 3, 6, 9
    assert _pairs(result.hashtags) == [("#python", 2), ("#baking", 1), ("#techno", 1)]
    assert [(s.index, s.size) for s in result.segments] == [(1, 1), (2, 2), (3, 1)]
    assert result.segments[1].examples == ["user3", "user2"]
    assert result.hashtags[0].share == 0.5
    assert result.evidence.filters == {"limit": 10, "segments": 8, "location": "berlin"}
    assert "location" in result.evidence.fields


def test_a_location_nobody_has_gives_empty_lists_and_says_so(tmp_path: Path):
    result = _themes(_runtime(tmp_path, _rows(BIOS_12)), location="Atlantis")
    assert result.followers == 0 and result.keywords == [] and result.segmented == 0
    assert result.notes[0] == "No follower's location contains 'Atlantis'."


def test_the_same_snapshot_always_gives_the_same_answer(tmp_path: Path):
    rows = _rows(BIOS_12)
    first = _themes(_runtime(tmp_path / "a", rows)).model_dump(exclude={"evidence"})
    again = _themes(_runtime(tmp_path / "b", list(reversed(rows)))).model_dump(exclude={"evidence"})
    assert first == again


def test_without_a_followers_snapshot_the_tool_says_what_to_import(tmp_path: Path):
    root = tmp_path / "u1"
    write_manifest(root, [AccountEntry("acc_me", "me", "own")])
    with pytest.raises(NoAudienceData) as raised:
        _themes(Runtime(root))
    assert "followlytics import" in str(raised.value)


def test_the_tool_answers_over_the_wire(tmp_path: Path):
    rt = _runtime(tmp_path, _rows(BIOS_12))
    answer = rt.handle({"id": 7, "tool": "audience_themes", "args": {"account_id": "acc_me", "limit": 2}})

    assert answer["ok"] is True, answer
    result = answer["result"]
    assert [k["term"] for k in result["keywords"]] == ["chef", "dj"]
    assert result["evidence"]["method"].startswith("themes-v1")
    assert result["evidence"]["rows_read"] == 13
    bad = rt.handle({"id": 8, "tool": "audience_themes", "args": {"account_id": "acc_me", "segments": 11}})
    assert bad["ok"] is False and bad["error"]["field"] == "segments"


# --- a synthetic audience with planted topics -------------------------------------------------------------


def _planted_topic(bio: str, phrases: dict[str, str]) -> str | None:
    return next((topic for phrase, topic in phrases.items() if bio.startswith(phrase)), None)


def test_segments_recover_the_planted_topics_of_a_synthetic_audience(tmp_path: Path):
    path = tmp_path / "followers.jsonl"
    write_jsonl(path, 6000, seed=3)
    table = parse_files([path]).table
    rt = _runtime(tmp_path, table.to_pylist())
    result = _themes(rt, segments=10)

    phrases = {
        phrase: topic
        for topic in TOPICS
        for lang in LANGUAGES
        for phrase in sorted(BIOS[topic][lang][0].split("|"), key=len, reverse=True)
    }
    source = rt.source("acc_me", Dataset.FOLLOWERS)
    assignment = assign_segments(rt, source, count=10)
    rows = rt.connection.execute(
        f"SELECT s.description, a.segment FROM {source.table} s JOIN {assignment.table} a USING (id)"
        " WHERE a.segment IS NOT NULL"
    ).fetchall()
    by_segment: dict[int, Counter[str]] = {}
    for bio, segment in rows:
        topic = _planted_topic(bio, phrases)
        if topic is not None:
            by_segment.setdefault(segment, Counter())[topic] += 1
    matched = sum(counts.most_common(1)[0][1] for counts in by_segment.values())
    total = sum(sum(counts.values()) for counts in by_segment.values())

    assert len(result.segments) == 10
    assert result.segmented / result.followers > 0.75
    assert matched / total > 0.75  # most members of a segment share its planted topic
    assert len({counts.most_common(1)[0][0] for counts in by_segment.values()}) >= 8
    assert result.languages[0].code == "en"
    assert {k.term for k in result.keywords} & {"engineer", "software", "chef", "streamer", "digital"}


def test_term_index_is_built_once_per_snapshot(tmp_path: Path):
    rt = _runtime(tmp_path, _rows(BIOS_12))
    source = rt.source("acc_me", Dataset.FOLLOWERS)
    first = term_index(rt, source, "description")
    again = term_index(rt, source, "description")
    assert first.fresh is not None and again.fresh is None
    assert (first.docs, first.terms, first.vocab, first.texts) == (again.docs, again.terms, again.vocab, 12)
