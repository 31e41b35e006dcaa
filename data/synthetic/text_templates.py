"""Danish wording for synthetic vacancies, employers and citizen profiles: several phrasings per slot,
chosen at random per row, so texts vary the way real ads and CVs do (and encoders can't key on a template).
"""

from __future__ import annotations

import numpy as np

INDUSTRY_DA = {
    "care": "Ældrepleje og sociale tilbud",
    "retail": "Detailhandel",
    "warehouse_transport": "Transport og logistik",
    "hospitality": "Hotel og restauration",
    "cleaning": "Rengøring og ejendomsservice",
    "construction": "Bygge og anlæg",
    "office": "Administration og kontor",
    "manufacturing": "Industri og produktion",
    "health": "Sundhed",
    "it": "IT og kommunikation",
    "teaching": "Undervisning",
    "service": "Service og sikkerhed",
}
_ISCO_INDUSTRY = {
    "0": "Forsvar",
    "1": "Ledelse",
    "2": "Akademisk arbejde",
    "3": "Teknisk arbejde",
    "4": "Kontor og kundeservice",
    "5": "Service og salg",
    "6": "Landbrug og fiskeri",
    "7": "Håndværk",
    "8": "Industri og transport",
    "9": "Manuelt arbejde",
}

_NAME_PREFIX = [
    "Nordisk",
    "Dansk",
    "Fynske",
    "Københavns",
    "Odense",
    "Amager",
    "Valby",
    "Øresund",
    "Byens",
    "Grøn",
    "Nørrebro",
    "Vesterbro",
    "Hjallese",
    "Centrum",
    "Havnens",
    "Kyst",
    "Lille",
    "Stor",
]
_NAME_CORE = {
    "care": ["Pleje", "Omsorg", "Hjemmepleje", "Bosted", "Plejecenter"],
    "retail": ["Butik", "Supermarked", "Handel", "Isenkram", "Tøjhus"],
    "warehouse_transport": ["Logistik", "Lager", "Fragt", "Transport", "Distribution"],
    "hospitality": ["Café", "Restaurant", "Hotel", "Kantine", "Bistro"],
    "cleaning": ["Rengøring", "Facility", "Ejendomsservice", "Vinduespolering"],
    "construction": ["Byg", "Tømrer", "Murer", "El", "VVS", "Entreprise"],
    "office": ["Administration", "Revision", "Regnskab", "Rådgivning", "Kontorservice"],
    "manufacturing": ["Metal", "Produktion", "Maskinfabrik", "Fødevarer", "Plast"],
    "health": ["Klinik", "Sundhedshus", "Tandklinik", "Fysioterapi", "Apotek"],
    "it": ["Data", "Software", "IT", "Digital", "Systemer"],
    "teaching": ["Skole", "Sprogcenter", "Uddannelsescenter", "Akademi"],
    "service": ["Sikkerhed", "Service", "Frisør", "Gartneri", "Kundecenter"],
}
_NAME_SUFFIX = ["ApS", "A/S", "I/S", "& Co.", "Gruppen", "Danmark"]


def industry_for_isco(sector: str) -> str:
    return _ISCO_INDUSTRY.get(sector.removeprefix("isco_"), "Øvrige erhverv")


def _pick(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), n)]


def employer_names(rng: np.random.Generator, sector: np.ndarray, city: np.ndarray) -> list[str]:
    """Plausible company names; repeats get the city and then a branch number, so names stay unique."""
    n = len(sector)
    prefix = _pick(rng, _NAME_PREFIX, n)
    suffix = _pick(rng, _NAME_SUFFIX, n)
    cores = [_NAME_CORE.get(s, ["Service", "Handel", "Produktion"]) for s in sector.tolist()]
    core_pick = rng.integers(0, 1000, n)
    names = [f"{p} {c[k % len(c)]} {s}" for p, c, k, s in zip(prefix, cores, core_pick, suffix, strict=True)]
    seen: dict[str, int] = {}
    out = []
    for name, c in zip(names, city.tolist(), strict=True):
        count = seen.get(name, 0)
        seen[name] = count + 1
        if count == 0:
            out.append(name)
        elif count == 1:
            out.append(f"{name}, {c}")
        else:
            out.append(f"{name}, {c} (afd. {count})")
    return out


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


_TITLE_FORMS = [
    "{t}",
    "{t}",
    "{t} søges",
    "{T} til fast stilling",
    "Erfaren {t}",
    "{T} – barselsvikariat",
    "{T} til vores team i {c}",
    "Ny kollega: {t}",
    "{T} (deltid/fuldtid)",
]


def vacancy_titles(
    rng: np.random.Generator, label: np.ndarray, synonyms: list[list[str]], city: np.ndarray
) -> list[str]:
    """Job-ad titles: the occupation label or a synonym, in one of several common ad phrasings."""
    n = len(label)
    use_syn = rng.random(n) < 0.35
    form = rng.integers(0, len(_TITLE_FORMS), n)
    pick = rng.integers(0, 1000, n)
    out = []
    for i in range(n):
        syns = synonyms[i]
        base = syns[pick[i] % len(syns)] if use_syn[i] and syns else label[i]
        base = base[:1].upper() + base[1:]
        f = _TITLE_FORMS[form[i]]
        text = f.replace("{T}", base).replace("{t}", base if f.startswith("{t}") else _lower_first(base))
        out.append(text.replace("{c}", city[i]))
    return out


_INTRO = [
    "{e} er en virksomhed inden for {i.lower} med base i {c}.",
    "Hos {e} i {c} mangler vi en ny kollega.",
    "Vil du være en del af {e}? Vi søger nu en {t.lower}.",
    "{e} søger en {t.lower} til afdelingen i {c}.",
    "Har du lyst til at arbejde som {t.lower} i {c}? Så læs med her.",
    "Vi har travlt hos {e} og udvider derfor holdet i {c}.",
]
_TASKS = [
    "Dine opgaver bliver blandt andet {s0}, {s1} og {s2}.",
    "Du kommer især til at arbejde med {s0} og {s1}.",
    "I jobbet indgår {s0}, {s1} samt {s2}.",
    "Arbejdet består primært af {s0} og {s1}, men også {s2}.",
    "Hverdagen byder på {s0}, {s1} og en del {s2}.",
]
_REQUIRE = [
    "Vi forventer, at du har erfaring med {s0}.",
    "Det er et krav, at du behersker {s0}.",
    "Vi lægger vægt på {s0} og {s1}.",
    "Du skal have solidt kendskab til {s0}.",
]
_BONUS = [
    "Erfaring med {o} er en fordel.",
    "Kendskab til {o} er et plus.",
    "Har du styr på {o}, er det godt.",
    "",
]
_EDUCATION = {
    1: ["Der kræves ingen formel uddannelse.", "Vi oplærer dig – uddannelse er ikke et krav."],
    2: ["Der kræves ingen formel uddannelse.", "Vi oplærer dig – uddannelse er ikke et krav."],
    3: ["Du har en relevant erhvervsuddannelse.", "Du er faglært inden for området."],
    4: ["Du har en relevant erhvervsuddannelse.", "Du er faglært inden for området."],
    5: ["Du har en kort videregående uddannelse.", "Du har en relevant KVU eller tilsvarende."],
    6: [
        "Du har en relevant professionsbachelor eller bachelor.",
        "Du har en mellemlang videregående uddannelse.",
    ],
    7: ["Du har en relevant kandidatuddannelse.", "Du er uddannet cand. inden for feltet."],
    8: ["Du har en ph.d. inden for feltet."],
}
_OFFER = [
    "Stillingen er på {h} timer om ugen.",
    "Vi tilbyder en stilling på {h} timer ugentligt med start hurtigst muligt.",
    "Der er tale om en {kind}stilling på {h} timer om ugen.",
    "Arbejdstiden er {h} timer om ugen, og løn efter gældende overenskomst.",
]
_CLOSE = [
    "Ansøgningsfrist: {d}.",
    "Send din ansøgning senest {d}.",
    "Vi holder samtaler løbende, så send gerne din ansøgning hurtigst muligt (senest {d}).",
]


def vacancy_descriptions(
    rng: np.random.Generator,
    *,
    employer: np.ndarray,
    industry: np.ndarray,
    title: list[str],
    city: np.ndarray,
    skills: list[np.ndarray],
    optional: np.ndarray,
    isced: np.ndarray,
    hours: np.ndarray,
    deadline: np.ndarray,
) -> list[str]:
    """Ad texts assembled from varied sentences about the employer, the tasks, requirements and terms."""
    n = len(title)
    picks = [rng.integers(0, 1000, n) for _ in range(7)]
    dl = np.datetime_as_string(deadline, unit="D")
    out = []
    for i in range(n):
        s0, s1, s2 = (_lower_first(skills[k][i]) for k in range(3))
        o = _lower_first(optional[i]) if optional[i] else ""
        lvl = int(isced[i])
        parts = [
            _INTRO[picks[0][i] % len(_INTRO)]
            .replace("{e}", employer[i])
            .replace("{i.lower}", industry[i].lower())
            .replace("{c}", city[i])
            .replace("{t.lower}", _lower_first(title[i])),
            _TASKS[picks[1][i] % len(_TASKS)].replace("{s0}", s0).replace("{s1}", s1).replace("{s2}", s2),
            _REQUIRE[picks[2][i] % len(_REQUIRE)].replace("{s0}", s0).replace("{s1}", s1),
            _BONUS[picks[3][i] % len(_BONUS)].replace("{o}", o) if o else "",
            _EDUCATION.get(lvl, _EDUCATION[3])[picks[4][i] % len(_EDUCATION.get(lvl, _EDUCATION[3]))],
            _OFFER[picks[5][i] % len(_OFFER)]
            .replace("{h}", str(int(hours[i])))
            .replace("{kind}", "fuldtids" if hours[i] >= 37 else "deltids"),
            _CLOSE[picks[6][i] % len(_CLOSE)].replace("{d}", dl[i]),
        ]
        out.append(" ".join(p for p in parts if p))
    return out


_P_INTRO = [
    "Jeg har {x} års erfaring som {p}.",
    "Jeg har tidligere arbejdet som {p} i {x} år.",
    "Mit seneste job var som {p}, hvor jeg var i {x} år.",
    "Jeg er {p} og har {x} års erfaring fra faget.",
]
_P_NEW = [
    "Jeg er ny på arbejdsmarkedet og har lidt erfaring som {p}.",
    "Jeg har kun kort erfaring, mest som {p}.",
]
_P_SKILLS = [
    "Jeg er god til {s0}, {s1} og {s2}.",
    "Mine styrker er {s0} og {s1}.",
    "Jeg kan {s0} og har også arbejdet med {s1}.",
    "Kolleger siger, jeg er stærk i {s0} og {s2}.",
]
_P_WISH = [
    "Jeg søger job som {d}.",
    "Jeg vil gerne arbejde som {d}.",
    "Mit mål er et job som {d}.",
    "Jeg er åben for job som {d} eller noget lignende.",
]
_P_HOURS = ["Jeg kan arbejde {h} timer om ugen.", "Jeg søger {h} timer om ugen.", ""]
_P_LICENCE = ["Jeg har kørekort og bil.", "Jeg har kørekort.", ""]
_P_DANISH = ["Jeg er ved at forbedre mit dansk.", "Jeg taler lidt dansk og godt engelsk."]
_P_PLACE = ["Jeg bor i {c}.", "Jeg bor i {c} og kan tage offentlig transport.", ""]


def seeker_profiles(
    rng: np.random.Generator,
    *,
    past_label: np.ndarray,
    desired_label: np.ndarray,
    skills: list[np.ndarray],
    experience: np.ndarray,
    licence: np.ndarray,
    hours: np.ndarray,
    danish: np.ndarray,
    city: np.ndarray,
) -> list[str]:
    """First-person Danish profile texts, as a citizen would write them on Jobnet."""
    n = len(past_label)
    picks = [rng.integers(0, 1000, n) for _ in range(6)]
    out = []
    for i in range(n):
        p, d = _lower_first(past_label[i]), _lower_first(desired_label[i])
        s0, s1, s2 = (_lower_first(skills[k][i]) for k in range(3))
        years = experience[i]
        intro = (
            (_P_INTRO[picks[0][i] % 4] if years >= 1 else _P_NEW[picks[0][i] % 2])
            .replace("{p}", p)
            .replace("{x}", str(round(years)))
        )
        parts = [
            intro,
            _P_SKILLS[picks[1][i] % 4].replace("{s0}", s0).replace("{s1}", s1).replace("{s2}", s2),
            _P_WISH[picks[2][i] % 4].replace("{d}", d),
            _P_HOURS[picks[3][i] % 3].replace("{h}", str(int(hours[i]))),
            _P_LICENCE[picks[4][i] % 3] if licence[i] else "",
            "" if danish[i] else _P_DANISH[picks[5][i] % 2],
            _P_PLACE[picks[5][i] % 3].replace("{c}", city[i]),
        ]
        out.append(" ".join(x for x in parts if x))
    return out
