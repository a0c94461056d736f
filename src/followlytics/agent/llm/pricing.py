"""What a model call cost: the effective-dated price table shipped as `prices.toml`, and the arithmetic.

A `Price` holds one model's rates (USD per 1M tokens, exact `Decimal`s) from a date on, plus an optional
"long prompt" tier that reprices the WHOLE request when its prompt is strictly longer than a threshold.
`PriceTable.lookup` picks the newest entry for a (provider, model) that was in force on the call's date.
`cost_of` prices a normalised `Usage` (see `messages.py`) exactly and rounds once, half-even, to 1e-8 USD.
`call_cost` is what the loop records per call: the computed cost, the provider's own reported cost, which of
the two is charged (the reported one when present), the table version, and why a call could not be priced.
An unknown model is never an error here: the call happened, so it is recorded as unpriced.

The self-hosted provider `local` is not in the table: it is priced from settings (`LocalRates`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, Inexact, localcontext
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from followlytics.agent.llm.messages import Usage

if TYPE_CHECKING:
    from followlytics.config import Settings

__all__ = [
    "LOCAL_PROVIDER",
    "TICKS_PER_USD",
    "USD_QUANTUM",
    "CallCost",
    "LocalRates",
    "Price",
    "PriceTable",
    "PriceTableError",
    "Rates",
    "call_cost",
    "cost_of",
    "default_price_table",
    "ticks_to_usd",
]

LOCAL_PROVIDER = "local"
# Costs are kept to a hundredth of a micro-dollar: fine enough that a one-token call still shows a cost.
USD_QUANTUM = Decimal("1e-8")
# xAI reports `usage.cost_in_usd_ticks`; one USD is 1e10 ticks.
TICKS_PER_USD = 10**10

_RATE_KEYS = ("input", "cached_input", "cache_write", "output")
_ENTRY_KEYS = frozenset({"provider", "model", "aliases", "effective_from", "source", "above", *_RATE_KEYS})
_TIER_KEYS = frozenset(
    {"prompt_tokens", "multiplier", *_RATE_KEYS, *(f"{key}_multiplier" for key in _RATE_KEYS)}
)
# Pinned snapshots bill like their family: `gpt-6-luna-2026-10-15`, `claude-haiku-5-5-20261015`,
# `grok-4.3-1015` (MMDD, as xAI and older OpenAI ids do).
_DATED_SUFFIX = re.compile(
    r"^(?P<base>.+?)-"
    r"(?:(?P<year>\d{4})(?P<sep>-?)(?P<month>\d{2})(?P=sep)(?P<day>\d{2})|(?P<mm>\d{2})(?P<dd>\d{2}))$"
)


class PriceTableError(ValueError):
    """The price table is malformed (unknown key, missing rate, negative rate, duplicate entry...)."""


@dataclass(frozen=True)
class Rates:
    """USD per 1M tokens. `cache_write=None`: the provider has no cache-write rate; writes bill as input."""

    input: Decimal
    cached_input: Decimal
    output: Decimal
    cache_write: Decimal | None = None


@dataclass(frozen=True)
class Price:
    """One model's price from `effective_from` on.

    `above_rates` replace `rates` for the whole request when its prompt tokens (plain + cached + cache
    writes) are strictly greater than `above_prompt_tokens`. `version` is the version of the table the
    entry came from, recorded with every call it prices.
    """

    provider: str
    model: str
    effective_from: date
    rates: Rates
    above_prompt_tokens: int | None = None
    above_rates: Rates | None = None
    aliases: tuple[str, ...] = ()
    version: str = ""
    source: str | None = None

    def rates_for(self, prompt_tokens: int) -> Rates:
        """The rates that bill a request whose prompt has `prompt_tokens` tokens."""
        if self.above_rates is not None and self.above_prompt_tokens is not None:
            if prompt_tokens > self.above_prompt_tokens:
                return self.above_rates
        return self.rates


@dataclass(frozen=True)
class LocalRates:
    """The configured rates of the self-hosted provider, USD per 1M tokens (default: free).

    `cached_input=None` bills cached prompt tokens at the input rate. Floats are read through their
    shortest repr (0.1 -> Decimal("0.1")), so a setting never brings binary noise into a cost.
    """

    input: Decimal = Decimal(0)
    output: Decimal = Decimal(0)
    cached_input: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "input", _to_rate(self.input, "local input rate"))
        object.__setattr__(self, "output", _to_rate(self.output, "local output rate"))
        if self.cached_input is not None:
            object.__setattr__(self, "cached_input", _to_rate(self.cached_input, "local cached input rate"))

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalRates:
        """`FOLLOWLYTICS_LOCAL_LLM_INPUT_USD_PER_MTOK` / `..._OUTPUT_USD_PER_MTOK`."""
        return cls(input=settings.local_llm_input_usd_per_mtok, output=settings.local_llm_output_usd_per_mtok)

    @property
    def version(self) -> str:
        """What a call priced at these rates records as its price version, e.g. `local:0.5/0.5/1.5`."""
        cached = self.input if self.cached_input is None else self.cached_input
        rates = (self.input, cached, self.output)
        return "local:" + "/".join(format(rate.normalize(), "f") for rate in rates)

    def price(self, model: str) -> Price:
        cached = self.input if self.cached_input is None else self.cached_input
        return Price(
            provider=LOCAL_PROVIDER,
            model=model,
            effective_from=date.min,
            rates=Rates(input=self.input, cached_input=cached, output=self.output),
            version=self.version,
            source="settings",
        )


@dataclass(frozen=True)
class CallCost:
    """The cost record of one model call.

    `charged_usd` is the provider's reported cost when it sent one, else the computed cost, else 0 (and
    `unpriced_reason` says why nothing could be computed). `price_version` is None when no price applied.
    """

    computed_usd: Decimal | None
    reported_usd: Decimal | None
    charged_usd: Decimal
    charged_from: Literal["reported", "computed", "unpriced"]
    price_version: str | None
    unpriced_reason: str | None = None
    price: Price | None = None


class PriceTable:
    """Effective-dated prices, by (provider, model). Build with `load()` (the shipped table), `from_toml`
    or from `Price` entries; `default_price_table()` is the cached shipped one."""

    def __init__(self, entries: Iterable[Price], *, version: str | None = None) -> None:
        listed = list(entries)
        if version is None:
            if not listed:
                raise PriceTableError("an empty price table needs an explicit version")
            version = max(entry.effective_from for entry in listed).isoformat()
        self._version = version
        self._entries = tuple(replace(entry, version=version) for entry in listed)
        self._by_name: dict[tuple[str, str], list[Price]] = {}
        for entry in self._entries:
            if _norm_provider(entry.provider) == LOCAL_PROVIDER:
                raise PriceTableError("provider `local` is priced from settings, not from the price table")
            for name in {_norm_model(entry.model), *(_norm_model(alias) for alias in entry.aliases)}:
                same = self._by_name.setdefault((_norm_provider(entry.provider), name), [])
                if any(other.effective_from == entry.effective_from for other in same):
                    raise PriceTableError(
                        f"two prices for {entry.provider}/{name} from {entry.effective_from.isoformat()}"
                    )
                same.append(entry)
        for same in self._by_name.values():
            same.sort(key=lambda entry: entry.effective_from)

    @classmethod
    def load(cls) -> PriceTable:
        """The table shipped with the package (`followlytics/agent/llm/prices.toml`)."""
        text = resources.files("followlytics.agent.llm").joinpath("prices.toml").read_text(encoding="utf-8")
        return cls.from_toml(text)

    @classmethod
    def from_toml(cls, text: str) -> PriceTable:
        # parse_float=Decimal keeps `0.125` exactly 0.125: no binary float ever touches a rate.
        try:
            data = tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as exc:
            raise PriceTableError(f"price table is not valid TOML: {exc}") from exc
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PriceTable:
        """A table from parsed TOML: `version` (optional) and a list `price` of entries."""
        unknown = set(data) - {"version", "price"}
        if unknown:
            raise PriceTableError(f"price table: unknown top-level key(s) {sorted(unknown)}")
        version = data.get("version")
        if isinstance(version, date) and not isinstance(version, datetime):
            version = version.isoformat()
        if version is not None and (not isinstance(version, str) or not version.strip()):
            raise PriceTableError("price table: `version` must be a non-empty string")
        raw_entries = data.get("price", [])
        if not isinstance(raw_entries, list):
            raise PriceTableError("price table: `price` must be a list of tables ([[price]])")
        entries = [_parse_entry(raw, index) for index, raw in enumerate(raw_entries, start=1)]
        return cls(entries, version=version)

    @property
    def version(self) -> str:
        return self._version

    @property
    def entries(self) -> tuple[Price, ...]:
        return self._entries

    def lookup(self, provider: str, model: str, at: date) -> Price | None:
        """The newest price for (`provider`, `model`) with `effective_from <= at`, or None.

        `at` is the call's date; a datetime is taken in UTC (naive ones are assumed UTC). The model matches
        an entry's id or alias (case-insensitively); a dated snapshot id with no entry of its own matches its
        family's entry.
        """
        day = _utc_day(at)
        in_force = [entry for entry in self._candidates(provider, model) if entry.effective_from <= day]
        return in_force[-1] if in_force else None

    def unpriced_reason(self, provider: str, model: str, at: date) -> str | None:
        """Why `lookup` finds nothing for this call (None when it does find a price)."""
        candidates = self._candidates(provider, model)
        day = _utc_day(at)
        if not candidates:
            return f"no price for {provider}/{model} in price table {self._version}"
        if candidates[0].effective_from > day:
            return (
                f"the price of {provider}/{model} starts {candidates[0].effective_from.isoformat()}, "
                f"after the call ({day.isoformat()}), in price table {self._version}"
            )
        return None

    def _candidates(self, provider: str, model: str) -> list[Price]:
        key_provider = _norm_provider(provider)
        name = _norm_model(model)
        exact = self._by_name.get((key_provider, name))
        if exact:
            return exact
        family = _undated(name)
        return self._by_name.get((key_provider, family), []) if family else []


@cache
def default_price_table() -> PriceTable:
    """The shipped table, parsed once per process."""
    return PriceTable.load()


def cost_of(usage: Usage, price: Price) -> Decimal:
    """The cost in USD of `usage` at `price`, exact, then rounded half-even to 1e-8 USD.

    Plain input, cache reads, cache writes (at the input rate when the provider has no write rate) and
    output (reasoning included) each bill at their rate; the tier is chosen on `usage.prompt_tokens`.
    """
    counts = {
        "input_tokens": usage.input_tokens,
        "cached_input_tokens": usage.cached_input_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        "output_tokens": usage.output_tokens,
    }
    for name, count in counts.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError(f"usage.{name} must be a non-negative int, got {count!r}")
    rates = price.rates_for(usage.prompt_tokens)
    write_rate = rates.input if rates.cache_write is None else rates.cache_write
    # Enough precision that nothing is rounded before the one final quantize; Inexact would prove otherwise.
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.traps[Inexact] = True
        per_million = (
            usage.input_tokens * rates.input
            + usage.cached_input_tokens * rates.cached_input
            + usage.cache_write_tokens * write_rate
            + usage.output_tokens * rates.output
        )
        exact = per_million.scaleb(-6)
        # The one place rounding is wanted.
        ctx.traps[Inexact] = False
        return exact.quantize(USD_QUANTUM, rounding=ROUND_HALF_EVEN)


def call_cost(
    usage: Usage,
    *,
    provider: str,
    model: str,
    at: date,
    table: PriceTable | None = None,
    local_rates: LocalRates | None = None,
) -> CallCost:
    """The cost record of one call of `model` on `provider` on date `at` (see `CallCost`). Never raises for
    an unknown model or a bad usage count: the call happened, so it is recorded as unpriced."""
    reported = usage.reported_cost_usd
    price: Price | None
    reason: str | None = None
    if _norm_provider(provider) == LOCAL_PROVIDER:
        price = (local_rates or LocalRates()).price(model)
    else:
        prices = table if table is not None else default_price_table()
        price = prices.lookup(provider, model, at)
        if price is None:
            reason = prices.unpriced_reason(provider, model, at)
    computed: Decimal | None = None
    if price is not None:
        try:
            computed = cost_of(usage, price)
        except ValueError as exc:
            price, reason = None, f"usage could not be priced: {exc}"
    if reported is not None:
        charged, charged_from = reported, "reported"
    elif computed is not None:
        charged, charged_from = computed, "computed"
    else:
        charged, charged_from = Decimal(0), "unpriced"
    return CallCost(
        computed_usd=computed,
        reported_usd=reported,
        charged_usd=charged,
        charged_from=charged_from,
        price_version=price.version if price is not None else None,
        unpriced_reason=reason,
        price=price,
    )


def ticks_to_usd(ticks: int) -> Decimal:
    """xAI's `cost_in_usd_ticks` as USD, exactly (1 USD = 1e10 ticks; 1 tick = 1e-10 USD)."""
    if not isinstance(ticks, int) or isinstance(ticks, bool):
        raise TypeError(f"ticks must be an int, got {type(ticks).__name__}")
    if ticks < 0:
        raise ValueError(f"ticks must be non-negative, got {ticks}")
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.traps[Inexact] = True
        return Decimal(ticks).scaleb(-10)


def _parse_entry(raw: Any, index: int) -> Price:
    if not isinstance(raw, Mapping):
        raise PriceTableError(f"price #{index}: must be a table")
    provider, model = raw.get("provider"), raw.get("model")
    where = f"price #{index} ({provider}/{model})"
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise PriceTableError(f"{where}: unknown key(s) {sorted(unknown)}")
    for key, value in (("provider", provider), ("model", model)):
        if not isinstance(value, str) or not value.strip():
            raise PriceTableError(f"{where}: `{key}` must be a non-empty string")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise PriceTableError(f"{where}: `aliases` must be a list of non-empty strings")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise PriceTableError(f"{where}: `source` must be a string")
    for key in ("input", "output"):
        if key not in raw:
            raise PriceTableError(f"{where}: missing rate `{key}`")
    rates = Rates(
        input=_to_rate(raw["input"], f"{where} input"),
        cached_input=_to_rate(raw.get("cached_input", raw["input"]), f"{where} cached_input"),
        output=_to_rate(raw["output"], f"{where} output"),
        cache_write=_to_rate(raw["cache_write"], f"{where} cache_write") if "cache_write" in raw else None,
    )
    above_prompt_tokens, above_rates = None, None
    if "above" in raw:
        above_prompt_tokens, above_rates = _parse_tier(raw["above"], rates, where)
    return Price(
        provider=_norm_provider(provider),
        model=model.strip(),
        effective_from=_parse_day(raw.get("effective_from"), where),
        rates=rates,
        above_prompt_tokens=above_prompt_tokens,
        above_rates=above_rates,
        aliases=tuple(alias.strip() for alias in aliases),
        source=source,
    )


def _parse_tier(raw: Any, base: Rates, where: str) -> tuple[int, Rates]:
    where = f"{where} [above]"
    if not isinstance(raw, Mapping):
        raise PriceTableError(f"{where}: must be a table")
    unknown = set(raw) - _TIER_KEYS
    if unknown:
        raise PriceTableError(f"{where}: unknown key(s) {sorted(unknown)}")
    threshold = raw.get("prompt_tokens")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
        raise PriceTableError(f"{where}: `prompt_tokens` must be a non-negative int")
    default_multiplier = _to_rate(raw.get("multiplier", 1), f"{where} multiplier")

    def tier_rate(key: str, base_rate: Decimal) -> Decimal:
        multiplier_key = f"{key}_multiplier"
        if key in raw and multiplier_key in raw:
            raise PriceTableError(f"{where}: give `{key}` or `{multiplier_key}`, not both")
        if key in raw:
            return _to_rate(raw[key], f"{where} {key}")
        if multiplier_key in raw:
            return base_rate * _to_rate(raw[multiplier_key], f"{where} {multiplier_key}")
        return base_rate * default_multiplier

    # With no cache-write rate of its own the tier's writes bill at the tier's input rate, like the base.
    cache_write: Decimal | None = None
    if base.cache_write is not None or "cache_write" in raw:
        write_base = base.input if base.cache_write is None else base.cache_write
        cache_write = tier_rate("cache_write", write_base)
    return threshold, Rates(
        input=tier_rate("input", base.input),
        cached_input=tier_rate("cached_input", base.cached_input),
        output=tier_rate("output", base.output),
        cache_write=cache_write,
    )


def _parse_day(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise PriceTableError(f"{where}: `effective_from` must be a date, not a date-time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PriceTableError(f"{where}: `effective_from` must be a date such as 2026-11-01")


def _to_rate(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise PriceTableError(f"{what}: must be a number, got {value!r}")
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, int | str | Decimal):
            number = Decimal(value)
        else:
            raise PriceTableError(f"{what}: must be a number, got {value!r}")
    except ArithmeticError as exc:
        raise PriceTableError(f"{what}: must be a number, got {value!r}") from exc
    if not number.is_finite() or number < 0:
        raise PriceTableError(f"{what}: must be a finite, non-negative number, got {value!r}")
    return number


def _norm_provider(provider: str) -> str:
    return provider.strip().lower()


def _norm_model(model: str) -> str:
    return model.strip().casefold()


def _undated(model: str) -> str | None:
    """The family id of a dated snapshot id (`gpt-6-luna-2026-10-15` -> `gpt-6-luna`), else None."""
    match = _DATED_SUFFIX.match(model)
    if match is None:
        return None
    # Only a real calendar date counts, so `-20261399` or `-1234` never borrows a family's price.
    year = int(match["year"]) if match["year"] else 2000  # MMDD: any leap year, so 0229 is a date
    month, day = (match["month"], match["day"]) if match["year"] else (match["mm"], match["dd"])
    try:
        date(year, int(month), int(day))
    except ValueError:
        return None
    return match["base"]


def _utc_day(at: date) -> date:
    if isinstance(at, datetime):
        return (at.astimezone(UTC) if at.tzinfo is not None else at).date()
    return at
