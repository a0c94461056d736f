"""The synthetic activity's vocabulary: the words and habits `synth_posts` builds posts from.

Data only, no logic: post sentences per topic (English, the account's own language), post frames per
language with a `{tag}` slot filled from the topic's bio hashtags (so followers post in their own language
about their own topics), "subject" clauses per language whose `{s}` slot carries either a topic word or a
planted rising term, the time zone of every place `synth_vocabulary.PLACES` names, and hour-of-day weights.
Changing any entry changes the generated activity files for every seed.
"""

from __future__ import annotations

# topic -> English sentences the account (and its competitor) post, separated by "|".
POSTS = {
    "tech": (
        "Shipped a new release today, changelog in the thread|"
        "Hot take: most microservices should be a monolith|"
        "Five Python tricks I wish I had learned earlier|How we cut our cloud bill in half|"
        "Code review is a conversation, not a gate|What is your favourite terminal tool?|"
        "Debugging a race condition at 2am, send coffee|Open source maintainers deserve better funding"
    ),
    "marketing": (
        "The one headline formula that doubled our clicks|Stop posting, start listening to your audience|"
        "Our newsletter grew 40% with one simple change|Brand voice matters more than budget|"
        "Three SEO mistakes I still see every week|What is the best campaign you saw this year?|"
        "Content calendar template, free to copy|Growth is a system, not a hack"
    ),
    "crypto": (
        "Bitcoin halving math, explained simply|Not financial advice: my portfolio rules|"
        "Layer two fees are finally cheap enough|Self custody is not optional|"
        "What is the most underrated protocol right now?|Bear markets are for building|"
        "Reading the whitepaper again, still brilliant|Stablecoins are the real product"
    ),
    "fitness": (
        "Leg day is the best day, fight me|My marathon training plan, week by week|"
        "Protein does not have to be boring|Rest days are part of training|"
        "What is your morning routine?|Five mobility drills for desk workers|"
        "New personal best on deadlift today|Consistency beats intensity"
    ),
    "food": (
        "Sourdough attempt number twelve, finally an ear|The easiest weeknight pasta you will ever make|"
        "Found the best ramen in town|Meal prep Sunday, full recipe below|"
        "What is your comfort food?|Coffee brewing ratios, a thread|"
        "Street food tour photos are up|Fermentation experiments, week three"
    ),
    "music": (
        "New track out now, headphones on|Behind the scenes of our studio session|"
        "The album that changed my life|Tour dates just announced|"
        "What are you listening to today?|Vinyl haul from the weekend|"
        "Practising scales for an hour a day works|Live set recording is up"
    ),
    "gaming": (
        "Speedrun attempt tonight, come watch|The most underrated indie game of the year|"
        "Patch notes breakdown, the meta just changed|Ranked grind update, finally diamond|"
        "What game are you playing this weekend?|My controller settings, full guide|"
        "Retro gaming collection tour|Streaming schedule for the week"
    ),
    "politics": (
        "Reading the full bill so you do not have to|Local elections matter more than you think|"
        "Five charts that explain the budget|Interview with the mayor this week|"
        "What policy would you change first?|Fact check on last night's debate|"
        "Turnout numbers by district, a thread|Why this vote matters"
    ),
    "art": (
        "New illustration finished, swipe for the process|Commissions are open again|"
        "Golden hour photos from the weekend|My sketchbook, page by page|"
        "What inspires your art?|Colour palette study, free to use|"
        "Print shop restock this Friday|Film photography is not dead"
    ),
    "travel": (
        "Hidden beaches nobody talks about|Packing list for a month with one bag|"
        "The best street food city in the world|Night train across the Alps, worth it|"
        "Where should I go next?|Budget travel tips that actually work|"
        "Sunrise from the top of the volcano|Slow travel changed how I see cities"
    ),
}

# language -> follower post frames, "|" between them; `{tag}` is one of the author's topic hashtags.
FRAMES = {
    "en": (
        "Really enjoying {tag} lately|Anyone else into {tag}?|New blog post about {tag}|"
        "Weekend plans: more {tag}|Long day, but {tag} made it better|Learning something new about {tag}"
    ),
    "es": "Hoy toca {tag}|Alguien más con {tag}?|Nuevo post sobre {tag}|Fin de semana de {tag}",
    "fr": "Journée {tag} aujourd'hui|Qui d'autre aime {tag} ?|Nouvel article sur {tag}|Week-end {tag}",
    "de": "Heute wieder {tag}|Wer noch {tag}?|Neuer Beitrag über {tag}|Wochenende mit {tag}",
    "pt": "Hoje é dia de {tag}|Mais alguém curte {tag}?|Post novo sobre {tag}|Fim de semana de {tag}",
    "ja": "今日も {tag}|{tag} 好きな人いますか|{tag} について書きました|週末は {tag}",
}

# language -> subject clauses added to some posts; `{s}` is a topic word or a planted rising term.
SUBJECTS = {
    "en": "Thoughts on {s}?|Still thinking about {s}|Everyone keeps asking me about {s}",
    "es": "Qué opinan de {s}?|Sigo pensando en {s}",
    "fr": "Vous pensez quoi de {s} ?|Je pense encore à {s}",
    "de": "Was haltet ihr von {s}?|Denke immer noch an {s}",
    "pt": "O que acham de {s}?|Ainda pensando em {s}",
    "ja": "{s} についてどう思う？|{s} が気になる",
}

# Where each place in `synth_vocabulary.PLACES` is: (substring, IANA zone), first match wins (case-sensitive,
# matched against the whole location text); a place matching none takes its language's zone below.
PLACE_ZONES = (
    ("NYC", "America/New_York"), ("New York", "America/New_York"), ("Brooklyn", "America/New_York"),
    ("San Francisco", "America/Los_Angeles"), ("SF", "America/Los_Angeles"),
    ("Los Angeles", "America/Los_Angeles"), ("LA", "America/Los_Angeles"),
    ("California", "America/Los_Angeles"), ("Seattle", "America/Los_Angeles"),
    ("Chicago", "America/Chicago"), ("Austin", "America/Chicago"), ("United States", "America/Chicago"),
    ("USA", "America/Chicago"), ("Toronto", "America/Toronto"), ("Montréal", "America/Toronto"),
    ("Sydney", "Australia/Sydney"), ("Dublin", "Europe/Dublin"), ("Lagos", "Africa/Lagos"),
    ("Bengaluru", "Asia/Kolkata"), ("Mumbai", "Asia/Kolkata"),
    ("México", "America/Mexico_City"), ("CDMX", "America/Mexico_City"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"), ("Bogotá", "America/Bogota"),
    ("Santiago", "America/Santiago"), ("Lima", "America/Lima"),
    ("Bruxelles", "Europe/Brussels"), ("Genève", "Europe/Zurich"), ("Zürich", "Europe/Zurich"),
    ("Wien", "Europe/Vienna"), ("Lisboa", "Europe/Lisbon"), ("Porto", "Europe/Lisbon"),
    ("Recife", "America/Recife"),
)  # fmt: skip
LANGUAGE_ZONES = {
    "en": "Europe/London",
    "es": "Europe/Madrid",
    "fr": "Europe/Paris",
    "de": "Europe/Berlin",
    "pt": "America/Sao_Paulo",
    "ja": "Asia/Tokyo",
}

# Relative weight of each local hour 0-23 in followers' posting: a lunch peak and a larger evening peak.
FOLLOWER_HOURS = (
    2,
    1,
    0.6,
    0.4,
    0.3,
    0.4,
    1,
    2,
    3,
    3.5,
    4,
    4.5,
    6,
    5.5,
    4.5,
    4,
    4,
    4.5,
    5.5,
    7,
    8,
    7.5,
    5,
    3.5,
)
# Relative weight of each UTC hour in the account's own posting (a creator reaching Europe and the US).
OWN_HOURS = (0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 4, 4, 5, 5, 5, 5, 5, 5, 4, 4, 3, 3, 2, 0)
# The competitor posts in the European evening and the US afternoon, and more at weekends.
COMPETITOR_HOURS = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 3, 5, 7, 8, 7, 4, 2, 0)
COMPETITOR_WEEKDAYS = (1, 1, 1, 1, 1.2, 1.6, 1.6)
