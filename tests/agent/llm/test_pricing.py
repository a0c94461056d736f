"""The price table and the cost of a call: every expected cost below is computed by hand, with the
arithmetic in a comment (rates are USD per 1M tokens), so a wrong rate, tier or rounding rule fails here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from followlytics.agent.llm.messages import Usage
from followlytics.agent.llm.pricing import (
    LocalRates,
    PriceTable,
    PriceTableError,
    call_cost,
    cost_of,
    default_price_table,
    ticks_to_usd,
)
from followlytics.config import Settings

DAY = date(2026, 11, 15)


def _shipped_cost(provider: str, model: str, usage: Usage) -> Decimal:
    price = default_price_table().lookup(provider, model, DAY)
    assert price is not None
    return cost_of(usage, price)


# --- the shipped table ------------------------------------------------------------------------------------


def test_shipped_table_parses_and_prices_the_three_models() -> None:
    table = PriceTable.load()
    assert table.version == "2026-11-01"
    grok = table.lookup("xai", "grok-4.3", DAY)
    luna = table.lookup("openai", "gpt-6-luna", DAY)
    haiku = table.lookup("anthropic", "claude-haiku-5-5", DAY)
    assert grok and luna and haiku
    assert (grok.rates.input, grok.rates.cached_input, grok.rates.output) == (
        Decimal("1.25"),
        Decimal("0.20"),
        Decimal("2.50"),
    )
    assert grok.above_prompt_tokens == 200_000
    assert luna.above_prompt_tokens == 272_000
    assert haiku.above_prompt_tokens == 100_000
    assert haiku.rates.cache_write == Decimal("0.125")
    assert {grok.version, luna.version, haiku.version} == {"2026-11-01"}


def test_the_shipped_table_has_no_price_before_it_takes_effect() -> None:
    assert default_price_table().lookup("xai", "grok-4.3", date(2026, 10, 31)) is None


# --- xAI grok-4.3: 1.25 / 0.20 / 2.50, whole request 2.50 / 0.40 / 5.00 above 200k prompt tokens ---------


def test_grok_base_tier() -> None:
    usage = Usage(input_tokens=3_000, cached_input_tokens=1_000, output_tokens=500)
    # 3000*1.25/1e6 + 1000*0.20/1e6 + 500*2.50/1e6 = 0.00375 + 0.0002 + 0.00125 = 0.0052
    assert _shipped_cost("xai", "grok-4.3", usage) == Decimal("0.0052")


def test_grok_reasoning_tokens_are_inside_output_and_not_billed_twice() -> None:
    usage = Usage(input_tokens=3_000, cached_input_tokens=1_000, output_tokens=500, reasoning_tokens=300)
    # same as the base tier: the 300 reasoning tokens are part of the 500 output tokens = 0.0052
    assert _shipped_cost("xai", "grok-4.3", usage) == Decimal("0.0052")


def test_grok_exactly_at_200k_prompt_tokens_is_base_tier() -> None:
    usage = Usage(input_tokens=190_000, cached_input_tokens=10_000, output_tokens=1_000)
    # prompt 200,000 is not above 200,000:
    # 190000*1.25/1e6 + 10000*0.20/1e6 + 1000*2.50/1e6 = 0.2375 + 0.002 + 0.0025 = 0.242
    assert _shipped_cost("xai", "grok-4.3", usage) == Decimal("0.242")


def test_grok_above_200k_doubles_the_whole_request_cached_tokens_included() -> None:
    usage = Usage(input_tokens=190_001, cached_input_tokens=10_000, output_tokens=1_000)
    # prompt 200,001 (cached tokens count towards it) > 200,000, every token at 2.50 / 0.40 / 5.00:
    # 190001*2.50/1e6 + 10000*0.40/1e6 + 1000*5.00/1e6 = 0.4750025 + 0.004 + 0.005 = 0.4840025
    assert _shipped_cost("xai", "grok-4.3", usage) == Decimal("0.4840025")


def test_cache_writes_bill_at_the_input_rate_when_the_provider_has_no_write_rate() -> None:
    usage = Usage(cache_write_tokens=1_000)
    # 1000*1.25/1e6 = 0.00125
    assert _shipped_cost("xai", "grok-4.3", usage) == Decimal("0.00125")


# --- OpenAI gpt-6-luna: 0.10 / 0.01 / 0.50, above 272k prompt: 2x input and cached input, 1.5x output ----


def test_luna_base_tier() -> None:
    usage = Usage(input_tokens=20_000, cached_input_tokens=8_000, output_tokens=1_000)
    # 20000*0.10/1e6 + 8000*0.01/1e6 + 1000*0.50/1e6 = 0.002 + 0.00008 + 0.0005 = 0.00258
    assert _shipped_cost("openai", "gpt-6-luna", usage) == Decimal("0.00258")


def test_luna_exactly_at_272k_prompt_tokens_is_base_tier() -> None:
    usage = Usage(input_tokens=262_000, cached_input_tokens=10_000, output_tokens=2_000)
    # 262000*0.10/1e6 + 10000*0.01/1e6 + 2000*0.50/1e6 = 0.0262 + 0.0001 + 0.001 = 0.0273
    assert _shipped_cost("openai", "gpt-6-luna", usage) == Decimal("0.0273")


def test_luna_above_272k_is_2x_input_and_1_5x_output() -> None:
    usage = Usage(input_tokens=262_001, cached_input_tokens=10_000, output_tokens=2_000)
    # prompt 272,001 > 272,000: input 0.20, cached 0.02, output 0.75:
    # 262001*0.20/1e6 + 10000*0.02/1e6 + 2000*0.75/1e6 = 0.0524002 + 0.0002 + 0.0015 = 0.0541002
    assert _shipped_cost("openai", "gpt-6-luna", usage) == Decimal("0.0541002")


# --- Anthropic claude-haiku-5-5: 0.10 / 0.01 read / 0.125 write / 0.50, 5x above 100k prompt tokens ------


def test_haiku_base_tier_with_cache_reads_and_writes() -> None:
    usage = Usage(
        input_tokens=2_000, cached_input_tokens=50_000, cache_write_tokens=10_000, output_tokens=800
    )
    # 2000*0.10/1e6 + 50000*0.01/1e6 + 10000*0.125/1e6 + 800*0.50/1e6
    # = 0.0002 + 0.0005 + 0.00125 + 0.0004 = 0.00235
    assert _shipped_cost("anthropic", "claude-haiku-5-5", usage) == Decimal("0.00235")


def test_haiku_exactly_at_100k_prompt_tokens_is_base_tier() -> None:
    usage = Usage(
        input_tokens=40_000, cached_input_tokens=50_000, cache_write_tokens=10_000, output_tokens=1_000
    )
    # prompt 40,000 + 50,000 + 10,000 = 100,000, not above:
    # 40000*0.10/1e6 + 50000*0.01/1e6 + 10000*0.125/1e6 + 1000*0.50/1e6
    # = 0.004 + 0.0005 + 0.00125 + 0.0005 = 0.00625
    assert _shipped_cost("anthropic", "claude-haiku-5-5", usage) == Decimal("0.00625")


def test_haiku_above_100k_is_5x_every_rate_and_cache_writes_count_towards_the_prompt() -> None:
    usage = Usage(
        input_tokens=40_001, cached_input_tokens=50_000, cache_write_tokens=10_000, output_tokens=1_000
    )
    # prompt 100,001 > 100,000: input 0.50, read 0.05, write 0.625, output 2.50:
    # 40001*0.50/1e6 + 50000*0.05/1e6 + 10000*0.625/1e6 + 1000*2.50/1e6
    # = 0.0200005 + 0.0025 + 0.00625 + 0.0025 = 0.0312505
    assert _shipped_cost("anthropic", "claude-haiku-5-5", usage) == Decimal("0.0312505")


# --- rounding ---------------------------------------------------------------------------------------------


def test_costs_round_half_even_to_1e_8_usd() -> None:
    # 1 write token: 1*0.125/1e6 = 0.000000125 -> 12.5e-8 -> 12e-8 (half to even)
    assert _shipped_cost("anthropic", "claude-haiku-5-5", Usage(cache_write_tokens=1)) == Decimal(
        "0.00000012"
    )
    # 3 write tokens: 3*0.125/1e6 = 0.000000375 -> 37.5e-8 -> 38e-8 (half to even)
    assert _shipped_cost("anthropic", "claude-haiku-5-5", Usage(cache_write_tokens=3)) == Decimal(
        "0.00000038"
    )


# --- model ids --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "model", "family"),
    [
        ("anthropic", "claude-haiku-5-5-20261015", "claude-haiku-5-5"),
        ("openai", "gpt-6-luna-2026-10-15", "gpt-6-luna"),
        ("xai", "grok-4.3-1015", "grok-4.3"),
        ("XAI", " Grok-4.3 ", "grok-4.3"),
    ],
)
def test_dated_snapshots_and_case_match_their_family(provider: str, model: str, family: str) -> None:
    price = default_price_table().lookup(provider, model, DAY)
    assert price is not None and price.model == family


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("openai", "gpt-6-luna-mini"),
        ("openai", "gpt-6-luna-20261399"),  # not a calendar date
        ("openai", "gpt-6-luna-2026-1015"),  # mixed date forms
        ("xai", "grok-4.3-1234"),  # not a month and day
        ("anthropic", "grok-4.3"),  # another provider's model
    ],
)
def test_other_models_do_not_borrow_a_price(provider: str, model: str) -> None:
    assert default_price_table().lookup(provider, model, DAY) is None


def test_an_alias_bills_like_its_entry() -> None:
    table = PriceTable.from_toml(
        """
        [[price]]
        provider = "xai"
        model = "grok-test"
        aliases = ["grok-test-latest"]
        effective_from = 2026-01-01
        input = 1
        output = 2
        """
    )
    price = table.lookup("xai", "grok-test-latest", date(2026, 2, 1))
    assert price is not None and price.model == "grok-test"
    # no cached_input given: cached tokens bill at the input rate. 1000*1/1e6 + 1000*1/1e6 = 0.002
    assert cost_of(Usage(input_tokens=1_000, cached_input_tokens=1_000), price) == Decimal("0.002")
    # no explicit version: the newest effective date
    assert table.version == "2026-01-01"


# --- effective dating -------------------------------------------------------------------------------------

DATED_TABLE = """
version = "test-2"

[[price]]
provider = "xai"
model = "grok-test"
effective_from = 2026-01-01
input = 1.00
cached_input = 0.50
output = 2.00

[[price]]
provider = "xai"
model = "grok-test"
effective_from = 2026-06-01
input = 2.00
cached_input = 1.00
output = 4.00
"""

DATED_USAGE = Usage(input_tokens=1_000, output_tokens=1_000)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # old entry: 1000*1.00/1e6 + 1000*2.00/1e6 = 0.001 + 0.002 = 0.003
        (date(2026, 3, 15), Decimal("0.003")),
        (date(2026, 5, 31), Decimal("0.003")),
        # new entry from its first day on: 1000*2.00/1e6 + 1000*4.00/1e6 = 0.002 + 0.004 = 0.006
        (date(2026, 6, 1), Decimal("0.006")),
        (date(2027, 1, 1), Decimal("0.006")),
        # 2026-06-01 01:00 at UTC+5 is still 2026-05-31 in UTC: old entry, 0.003
        (datetime(2026, 6, 1, 1, 0, tzinfo=timezone(timedelta(hours=5))), Decimal("0.003")),
        (datetime(2026, 6, 1, 0, 0, tzinfo=UTC), Decimal("0.006")),
    ],
)
def test_the_call_date_picks_the_entry_in_force(at: date, expected: Decimal) -> None:
    table = PriceTable.from_toml(DATED_TABLE)
    cost = call_cost(DATED_USAGE, provider="xai", model="grok-test", at=at, table=table)
    assert cost.computed_usd == expected
    assert cost.charged_usd == expected
    assert cost.charged_from == "computed"
    assert cost.price_version == "test-2"
    assert cost.unpriced_reason is None


def test_a_call_before_any_entry_is_unpriced() -> None:
    table = PriceTable.from_toml(DATED_TABLE)
    cost = call_cost(DATED_USAGE, provider="xai", model="grok-test", at=date(2025, 12, 31), table=table)
    assert cost.computed_usd is None
    assert cost.charged_usd == Decimal(0)
    assert cost.charged_from == "unpriced"
    assert cost.price_version is None
    assert cost.unpriced_reason is not None
    assert "2026-01-01" in cost.unpriced_reason and "2025-12-31" in cost.unpriced_reason


# --- unpriced, reported and local -------------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "model"), [("xai", "grok-99"), ("mistral", "mistral-large")])
def test_an_unknown_model_is_unpriced_not_an_error(provider: str, model: str) -> None:
    cost = call_cost(Usage(input_tokens=1_000, output_tokens=10), provider=provider, model=model, at=DAY)
    assert cost.computed_usd is None
    assert cost.charged_usd == Decimal(0)
    assert cost.charged_from == "unpriced"
    assert cost.unpriced_reason is not None
    assert f"{provider}/{model}" in cost.unpriced_reason and "2026-11-01" in cost.unpriced_reason


def test_a_negative_usage_count_is_unpriced_not_an_error() -> None:
    cost = call_cost(Usage(input_tokens=-1), provider="xai", model="grok-4.3", at=DAY)
    assert cost.computed_usd is None and cost.charged_from == "unpriced"
    assert cost.unpriced_reason is not None and "input_tokens" in cost.unpriced_reason
    with pytest.raises(ValueError, match="input_tokens"):
        _shipped_cost("xai", "grok-4.3", Usage(input_tokens=-1))


def test_the_reported_cost_is_charged_over_the_computed_one() -> None:
    reported = ticks_to_usd(51_000_000)  # 51,000,000 / 1e10 = 0.0051
    usage = Usage(
        input_tokens=3_000, cached_input_tokens=1_000, output_tokens=500, reported_cost_usd=reported
    )
    cost = call_cost(usage, provider="xai", model="grok-4.3", at=DAY)
    # computed as in test_grok_base_tier: 0.0052
    assert cost.computed_usd == Decimal("0.0052")
    assert cost.reported_usd == Decimal("0.0051")
    assert cost.charged_usd == Decimal("0.0051")
    assert cost.charged_from == "reported"
    assert cost.price_version == "2026-11-01"


def test_a_reported_cost_is_charged_even_when_the_model_is_unpriced() -> None:
    usage = Usage(input_tokens=10, reported_cost_usd=Decimal("0.0003"))
    cost = call_cost(usage, provider="xai", model="grok-99", at=DAY)
    assert cost.computed_usd is None
    assert cost.charged_usd == Decimal("0.0003") and cost.charged_from == "reported"
    assert cost.unpriced_reason is not None


@pytest.mark.parametrize(
    ("ticks", "usd"),
    [
        (1, Decimal("0.0000000001")),  # 1 / 1e10
        (10**10, Decimal("1")),  # 1e10 / 1e10
        (123_456_789, Decimal("0.0123456789")),  # 123,456,789 / 1e10
        (0, Decimal("0")),
    ],
)
def test_ticks_convert_to_usd_exactly(ticks: int, usd: Decimal) -> None:
    assert ticks_to_usd(ticks) == usd


def test_ticks_must_be_a_non_negative_int() -> None:
    with pytest.raises(ValueError):
        ticks_to_usd(-1)
    with pytest.raises(TypeError):
        ticks_to_usd(1.5)  # type: ignore[arg-type]


def test_local_rates_bill_cached_input_at_the_input_rate_unless_given() -> None:
    usage = Usage(input_tokens=10_000, cached_input_tokens=2_000, output_tokens=1_000)
    cost = call_cost(
        usage,
        provider="local",
        model="llama3.3",
        at=DAY,
        local_rates=LocalRates(input=Decimal("0.5"), output=Decimal("1.5")),
    )
    # 10000*0.5/1e6 + 2000*0.5/1e6 + 1000*1.5/1e6 = 0.005 + 0.001 + 0.0015 = 0.0075
    assert cost.computed_usd == Decimal("0.0075") and cost.charged_from == "computed"
    assert cost.price_version == "local:0.5/0.5/1.5"

    with_cached = LocalRates(input=Decimal("0.5"), output=Decimal("1.5"), cached_input=Decimal("0.1"))
    cost = call_cost(usage, provider="local", model="llama3.3", at=DAY, local_rates=with_cached)
    # 10000*0.5/1e6 + 2000*0.1/1e6 + 1000*1.5/1e6 = 0.005 + 0.0002 + 0.0015 = 0.0067
    assert cost.computed_usd == Decimal("0.0067")
    assert cost.price_version == "local:0.5/0.1/1.5"


def test_local_defaults_to_free_and_comes_from_settings() -> None:
    usage = Usage(input_tokens=10_000, output_tokens=1_000)
    free = call_cost(usage, provider="local", model="anything", at=DAY)
    assert (
        free.computed_usd == Decimal(0) and free.charged_from == "computed" and free.unpriced_reason is None
    )

    settings = Settings(
        local_llm_input_usd_per_mtok=Decimal("0.2"), local_llm_output_usd_per_mtok=Decimal("0.6")
    )
    cost = call_cost(
        usage, provider="local", model="anything", at=DAY, local_rates=LocalRates.from_settings(settings)
    )
    # 10000*0.2/1e6 + 1000*0.6/1e6 = 0.002 + 0.0006 = 0.0026
    assert cost.computed_usd == Decimal("0.0026")


def test_float_local_rates_are_read_without_binary_noise() -> None:
    # 1,000,000 * 0.1 / 1e6 = 0.1 exactly (Decimal(0.1) would be 0.1000000000000000055...)
    price = LocalRates(input=0.1, output=0.2).price("m")  # type: ignore[arg-type]
    assert cost_of(Usage(input_tokens=1_000_000), price) == Decimal("0.1")


# --- malformed tables -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('provider = "xai"\nmodel = "m"\neffective_from = 2026-01-01\ninput = 1\nouput = 2', "ouput"),
        ('provider = "xai"\nmodel = "m"\neffective_from = 2026-01-01\ninput = 1', "output"),
        (
            'provider = "xai"\nmodel = "m"\neffective_from = 2026-01-01\ninput = -1\noutput = 2',
            "non-negative",
        ),
        ('provider = "xai"\nmodel = "m"\ninput = 1\noutput = 2', "effective_from"),
        ('provider = "local"\nmodel = "m"\neffective_from = 2026-01-01\ninput = 1\noutput = 2', "settings"),
        (
            'provider = "xai"\nmodel = "m"\neffective_from = 2026-01-01\ninput = 1\noutput = 2\n'
            "[price.above]\nprompt_tokens = 10\ninput = 2\ninput_multiplier = 2",
            "not both",
        ),
    ],
)
def test_a_malformed_entry_is_rejected_with_its_reason(entry: str, message: str) -> None:
    with pytest.raises(PriceTableError, match=message):
        PriceTable.from_toml(f"[[price]]\n{entry}\n")


def test_two_entries_for_the_same_model_and_day_are_rejected() -> None:
    entry = '[[price]]\nprovider = "xai"\nmodel = "m"\neffective_from = 2026-01-01\ninput = 1\noutput = 2\n'
    with pytest.raises(PriceTableError, match="two prices"):
        PriceTable.from_toml(entry + entry)
