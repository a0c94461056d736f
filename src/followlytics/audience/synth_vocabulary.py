"""The synthetic audience's vocabulary: the words `synth` builds profiles from.

Data only, no logic: the languages and topics (with how often each is drawn), bio phrases and hashtags per
topic and language (English, Spanish, French, German, Portuguese, Japanese), emoji and handle words per
topic, bio extras, flags, cities and free-text places per language, joke locations, first and last names,
and the sites profiles link to. Lists are kept as compact strings ("|" between phrases, spaces between
words); `synth` splits them once. Changing any entry changes the generated files for every seed.
"""

from __future__ import annotations

# The languages and topics every table below is keyed by, with the share of accounts drawn for each.
LANGUAGES = ("en", "es", "fr", "de", "pt", "ja")
LANGUAGE_WEIGHTS = (0.52, 0.14, 0.08, 0.07, 0.09, 0.10)

TOPICS = ("tech", "marketing", "crypto", "fitness", "food", "music", "gaming", "politics", "art", "travel")
TOPIC_WEIGHTS = (0.16, 0.12, 0.09, 0.09, 0.1, 0.1, 0.1, 0.08, 0.09, 0.07)

# topic -> language -> (bio phrases separated by "|", hashtags separated by spaces)
BIOS: dict[str, dict[str, tuple[str, str]]] = {
    "tech": {
        "en": (
            "Software engineer building things on the web|"
            "Backend dev. Rust, Go and too much coffee|Shipping code since 2009|"
            "Open source maintainer|ML engineer at a startup you haven't heard of|"
            "Cloud, DevOps & SRE stuff",
            "#Python #DevOps #AI #OpenSource #100DaysOfCode #WebDev",
        ),
        "es": (
            "Desarrollador full stack|Ingeniera de software y fan del código abierto|"
            "Programando el futuro, una línea a la vez|Datos, IA y café",
            "#programación #IA #tecnología #DevOps",
        ),
        "fr": (
            "Développeur web passionné|Ingénieure logiciel, fan de Python|Je code, donc je suis|"
            "Data scientist à Paris",
            "#dev #IA #tech #opensource",
        ),
        "de": (
            "Softwareentwickler aus Leidenschaft|Informatikerin, Open-Source-Fan|"
            "Baut Dinge mit Code|Cloud-Architekt und Kaffeetrinker",
            "#Digitalisierung #KI #Softwareentwicklung #Tech",
        ),
        "pt": (
            "Desenvolvedor full stack|Engenheira de software e entusiasta de IA|"
            "Programando desde criança|Dev front-end, apaixonado por UX",
            "#programação #tecnologia #IA #dev",
        ),
        "ja": (
            "ソフトウェアエンジニア|Webエンジニアやってます|機械学習とPythonが好き|個人開発してます",
            "#駆け出しエンジニアと繋がりたい #プログラミング #エンジニア #Python",
        ),
    },
    "marketing": {
        "en": (
            "Growth marketer. Helping brands grow on social|Content strategist & copywriter|"
            "I help founders build an audience|Social media manager by day, meme curator by night",
            "#marketing #SEO #growth #ContentMarketing #SocialMedia",
        ),
        "es": (
            "Especialista en marketing digital|Community manager y creadora de contenido|"
            "Ayudo a marcas a crecer en redes",
            "#marketingdigital #emprendimiento #SEO #redessociales",
        ),
        "fr": (
            "Consultante en marketing digital|Growth hacker & entrepreneur|"
            "J'aide les marques à raconter leur histoire",
            "#marketing #entrepreneuriat #SEO #communication",
        ),
        "de": (
            "Online-Marketing-Managerin|Content Creator und Berater|Hilft Marken beim Wachsen",
            "#Marketing #SocialMedia #Startup #SEO",
        ),
        "pt": (
            "Especialista em marketing digital|Social media e criadora de conteúdo|"
            "Ajudo empresas a vender mais online",
            "#marketingdigital #empreendedorismo #SEO #redessociais",
        ),
        "ja": (
            "マーケター|SNS運用代行してます|Webマーケティングの仕事をしています",
            "#マーケティング #SNS運用 #副業 #ブログ",
        ),
    },
    "crypto": {
        "en": (
            "Bitcoin maximalist|Web3 builder. Not financial advice|DeFi degen, NFT collector|"
            "HODLing since 2017",
            "#Bitcoin #BTC #ETH #Web3 #crypto #NFT",
        ),
        "es": (
            "Inversor en cripto|Bitcoin es libertad|Trader y entusiasta de blockchain",
            "#Bitcoin #cripto #blockchain #BTC",
        ),
        "fr": (
            "Passionné de crypto et de blockchain|Investisseur Bitcoin|Trader à temps partiel",
            "#Bitcoin #crypto #blockchain #NFT",
        ),
        "de": (
            "Krypto-Enthusiast|Bitcoin-Investor seit 2016|Blockchain-Entwickler",
            "#Bitcoin #Krypto #Blockchain #ETH",
        ),
        "pt": (
            "Investidor em cripto|Entusiasta de Bitcoin e blockchain|Trader nas horas vagas",
            "#Bitcoin #cripto #blockchain #BTC",
        ),
        "ja": (
            "仮想通貨投資家|ビットコインガチホ勢|NFTコレクター",
            "#ビットコイン #仮想通貨 #NFT #暗号資産",
        ),
    },
    "fitness": {
        "en": (
            "Personal trainer & nutrition coach|Marathon runner|"
            "Lifting heavy things and putting them down|Yoga teacher",
            "#fitness #running #gym #yoga #health",
        ),
        "es": (
            "Entrenador personal|Corredora de maratones|Vida sana y deporte",
            "#fitness #running #salud #gym",
        ),
        "fr": (
            "Coach sportif|Marathonienne|Passionné de CrossFit",
            "#fitness #running #sport #santé",
        ),
        "de": (
            "Personal Trainer|Läuferin aus Leidenschaft|Fitness und Ernährung",
            "#Fitness #Laufen #Gesundheit #Sport",
        ),
        "pt": (
            "Personal trainer|Corredora de rua|Vida saudável e academia",
            "#fitness #corrida #saúde #academia",
        ),
        "ja": (
            "筋トレ好き|マラソンランナー|パーソナルトレーナー",
            "#筋トレ #ランニング #ダイエット #フィットネス",
        ),
    },
    "food": {
        "en": (
            "Home cook, food photographer|Eating my way around the world|Pastry chef|Coffee snob",
            "#foodie #vegan #baking #coffee #recipes",
        ),
        "es": (
            "Cocinera y amante de la buena mesa|Recetas fáciles cada semana|Chef en Madrid",
            "#gastronomía #recetas #foodie #cocina",
        ),
        "fr": (
            "Chef cuisinier|Gourmande assumée|Recettes faciles et de saison",
            "#cuisine #foodie #recette #gastronomie",
        ),
        "de": (
            "Hobbykoch|Foodbloggerin|Backen ist meine Therapie",
            "#Kochen #Foodblogger #Backen #vegan",
        ),
        "pt": (
            "Chef de cozinha|Receitas fáceis e gostosas|Amo comer bem",
            "#culinária #receitas #foodie #gastronomia",
        ),
        "ja": (
            "食べるの大好き|料理ブロガー|カフェ巡りが趣味",
            "#グルメ #料理 #カフェ巡り #おうちごはん",
        ),
    },
    "music": {
        "en": (
            "Musician & producer|Singer-songwriter|DJ. Techno all night|Guitar nerd",
            "#music #NewMusic #hiphop #techno #indie",
        ),
        "es": (
            "Músico y productor|Cantante|DJ y amante del reggaetón",
            "#música #NuevaMúsica #reggaeton #rock",
        ),
        "fr": (
            "Musicien et compositeur|Chanteuse|DJ électro",
            "#musique #rap #électro #concert",
        ),
        "de": (
            "Musiker und Produzent|Sängerin|Techno-DJ aus Berlin",
            "#Musik #Techno #Konzert #NeueMusik",
        ),
        "pt": (
            "Músico e produtor|Cantora|DJ de funk",
            "#música #sertanejo #funk #MPB",
        ),
        "ja": (
            "音楽好き|バンドマン|DTMやってます",
            "#音楽 #バンド #DTM #ボカロ",
        ),
    },
    "gaming": {
        "en": (
            "Streamer on Twitch|Gamer. Speedrunner|Indie game dev|Esports fan",
            "#gaming #Twitch #indiedev #esports #PS5",
        ),
        "es": (
            "Streamer y gamer|Desarrollador de videojuegos indie|Jugando desde los 90",
            "#gaming #videojuegos #Twitch #esports",
        ),
        "fr": (
            "Joueur et streamer|Développeur de jeux indé|Fan d'esport",
            "#gaming #jeuxvidéo #Twitch #esport",
        ),
        "de": (
            "Gamer und Streamer|Indie-Spieleentwickler|Zockt seit dem Gameboy",
            "#Gaming #Twitch #Zocken #IndieDev",
        ),
        "pt": (
            "Streamer e gamer|Dev de jogos indie|Jogando desde sempre",
            "#gaming #games #Twitch #esports",
        ),
        "ja": (
            "ゲーム実況者|ゲーム好き|インディーゲーム開発中",
            "#ゲーム #ゲーム実況 #インディーゲーム #Switch",
        ),
    },
    "politics": {
        "en": (
            "Policy wonk|Journalist covering politics|Civic tech & open government|Local organizer",
            "#politics #democracy #vote #policy",
        ),
        "es": (
            "Periodista política|Analista político|Activista vecinal",
            "#política #democracia #elecciones",
        ),
        "fr": (
            "Journaliste politique|Militant associatif|Analyste des politiques publiques",
            "#politique #démocratie #élections",
        ),
        "de": (
            "Politikwissenschaftlerin|Journalist, Schwerpunkt Politik|Kommunalpolitiker",
            "#Politik #Demokratie #Wahl",
        ),
        "pt": (
            "Jornalista de política|Cientista político|Ativista",
            "#política #democracia #eleições",
        ),
        "ja": (
            "政治ウォッチャー|ジャーナリスト|政策研究してます",
            "#政治 #選挙 #ニュース",
        ),
    },
    "art": {
        "en": (
            "Illustrator & comic artist|Digital artist. Commissions open|Photographer|Painter",
            "#art #illustration #digitalart #photography",
        ),
        "es": (
            "Ilustradora|Artista digital, comisiones abiertas|Fotógrafo",
            "#arte #ilustración #fotografía #artedigital",
        ),
        "fr": (
            "Illustratrice|Artiste peintre|Photographe",
            "#art #illustration #photographie #dessin",
        ),
        "de": (
            "Illustratorin|Fotograf|Malerin und Grafikdesignerin",
            "#Kunst #Illustration #Fotografie",
        ),
        "pt": (
            "Ilustradora|Artista digital|Fotógrafo",
            "#arte #ilustração #fotografia #artedigital",
        ),
        "ja": (
            "絵描き|イラストレーター|写真を撮るのが好き",
            "#イラスト #絵描きさんと繋がりたい #写真好きな人と繋がりたい",
        ),
    },
    "travel": {
        "en": (
            "Travel blogger. 60 countries and counting|Digital nomad|Backpacker|"
            "Always planning the next trip",
            "#travel #wanderlust #digitalnomad #travelphotography",
        ),
        "es": (
            "Viajera empedernida|Nómada digital|Mochilero por Latinoamérica",
            "#viajes #viajar #nómadadigital",
        ),
        "fr": (
            "Blogueuse voyage|Nomade numérique|Toujours entre deux avions",
            "#voyage #travel #backpacking",
        ),
        "de": (
            "Reisebloggerin|Digitaler Nomade|Immer auf Reisen",
            "#Reisen #Fernweh #travel",
        ),
        "pt": (
            "Viajante e blogueira|Nômade digital|Mochileiro",
            "#viagem #viajar #nômadedigital",
        ),
        "ja": (
            "旅行好き|世界一周中|ひとり旅",
            "#旅行 #旅 #世界一周",
        ),
    },
}

TOPIC_EMOJI = {
    "tech": "💻 🚀 🤖 🧑‍💻 ⚙️",
    "marketing": "📈 📣 ✨ 💡",
    "crypto": "₿ 🚀 🌕 💎 🙌",
    "fitness": "💪 🏃‍♀️ 🧘 🏋️",
    "food": "🍕 🍜 🥐 ☕ 🍷",
    "music": "🎵 🎸 🎧 🎤",
    "gaming": "🎮 👾 🕹️ 🏆",
    "politics": "🗳️ 🏛️ 📰",
    "art": "🎨 ✏️ 📷 🖌️",
    "travel": "✈️ 🌍 🗺️ 🏝️",
}
HANDLE_WORDS = {
    "tech": "dev code hacks tech",
    "marketing": "growth mktg brand",
    "crypto": "btc crypto eth",
    "fitness": "fit runs lifts",
    "food": "eats cooks bakes",
    "music": "music beats sounds",
    "gaming": "plays gg gamer",
    "politics": "news policy",
    "art": "art draws photo",
    "travel": "travels nomad trips",
}

EXTRAS = {
    "en": "Views my own.|she/her|he/him|they/them|DMs open|Dad of two|Mom, wife, human|Coffee first",
    "es": "Opiniones propias.|Padre de dos|Madre y esposa|Siempre con café|Hincha del Betis",
    "fr": "Avis personnels.|Papa de deux enfants|Maman|Café d'abord|Breton exilé",
    "de": "Meine Meinung.|Vater von zwei Kindern|Mama|Erst Kaffee|Schalke-Fan",
    "pt": "Opiniões próprias.|Pai de dois|Mãe|Café primeiro|Flamenguista",
    "ja": "無言フォロー失礼します|よろしくお願いします|二児の父|コーヒー好き|猫と暮らしてます",
}
FLAGS = {
    "en": "🇺🇸 🇬🇧 🇨🇦 🇦🇺 🇮🇪",
    "es": "🇪🇸 🇲🇽 🇦🇷 🇨🇴",
    "fr": "🇫🇷 🇧🇪 🇨🇦",
    "de": "🇩🇪 🇦🇹 🇨🇭",
    "pt": "🇧🇷 🇵🇹",
    "ja": "🇯🇵",
}

PLACES = {
    "en": (
        "London|London, UK|London, England|NYC|New York, NY|Brooklyn, NY|San Francisco, CA|SF|"
        "Los Angeles|LA|Chicago, IL|Austin, TX|Seattle, WA|Toronto, Ontario|Sydney, Australia|"
        "Dublin, Ireland|Manchester|Lagos, Nigeria|Bengaluru, India|Mumbai|United States|USA|"
        "California, USA|England, United Kingdom"
    ),
    "es": (
        "Madrid|Madrid, España|Barcelona|Ciudad de México|CDMX|Buenos Aires, Argentina|"
        "Bogotá, Colombia|Santiago de Chile|Lima, Perú|Sevilla|Valencia, España|México|España"
    ),
    "fr": (
        "Paris|Paris, France|Lyon|Marseille|Montréal, Québec|Bruxelles|Genève|Toulouse, France|"
        "Île-de-France|France"
    ),
    "de": "Berlin|Berlin, Deutschland|München|Hamburg|Wien|Zürich|Köln|Frankfurt am Main|Deutschland|NRW",
    "pt": (
        "São Paulo|São Paulo, Brasil|SP|Rio de Janeiro|Rio de Janeiro, Brasil|Belo Horizonte|"
        "Lisboa|Lisboa, Portugal|Porto|Brasil|Curitiba, PR|Recife"
    ),
    "ja": "東京|東京都|東京都渋谷区|大阪|大阪府|京都|福岡|札幌|名古屋|日本|Tokyo, Japan|神奈川県 横浜市",
}
# Locations that are no place at all, written whatever the account's language.
JOKE_PLACES = (
    "the moon|in your mentions|probably asleep|localhost|127.0.0.1|somewhere over the rainbow|"
    "the internet|Earth|🌍|Hogwarts|my bed|wherever the wifi is|behind you|Mars"
)

# language -> (first names, last names); Japanese entries are "display:romaji".
NAMES = {
    "en": (
        "James Mary John Emma Michael Olivia David Sophia Chris Ava Daniel Mia Alex Sarah Ryan "
        "Jessica Matt Emily Josh Hannah",
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor Clark Walker Hall Young "
        "King Wright Green Baker Adams Nelson Carter",
    ),
    "es": (
        "José María Juan Lucía Carlos Sofía Javier Valentina Miguel Camila Diego Martina "
        "Alejandro Isabel Pablo Daniela",
        "García Martínez López Sánchez Pérez Gómez Fernández Rodríguez Díaz Torres Ramírez Flores "
        "Ruiz Morales",
    ),
    "fr": (
        "Jean Marie Pierre Camille Louis Léa Thomas Chloé Nicolas Manon Julien Inès Antoine "
        "Élodie Hugo Sarah",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre Michel",
    ),
    "de": (
        "Lukas Anna Jonas Lea Felix Laura Max Hannah Paul Lena Leon Sophie Jan Marie Tim Julia",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
        "Wolf Schröder",
    ),
    "pt": (
        "João Maria Pedro Ana Lucas Júlia Gabriel Beatriz Rafael Larissa Mateus Fernanda Thiago "
        "Camila Bruno Letícia",
        "Silva Santos Oliveira Souza Pereira Costa Rodrigues Almeida Nascimento Lima Araújo "
        "Ferreira Carvalho Gomes",
    ),
    "ja": (
        "翔太:shota 陽菜:hina 大輝:daiki 結衣:yui 蓮:ren 美咲:misaki 拓海:takumi さくら:sakura "
        "健太:kenta 愛:ai 悠人:yuto 葵:aoi",
        "佐藤:sato 鈴木:suzuki 高橋:takahashi 田中:tanaka 伊藤:ito 渡辺:watanabe 山本:yamamoto "
        "中村:nakamura 小林:kobayashi 加藤:kato",
    ),
}

# Profile links; `{h}` is the lowercased handle.
LINK_SITES = (
    "https://github.com/{h}", "https://{h}.substack.com", "https://linktr.ee/{h}", "https://www.instagram.com/{h}",
    "https://youtube.com/@{h}", "https://{h}.com", "https://medium.com/@{h}", "https://{h}.dev",
)  # fmt: skip
