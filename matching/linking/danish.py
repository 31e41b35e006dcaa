"""Rewrites of a Danish job title into forms the taxonomy's labels are more likely to use.

Each rule covers a regular pattern of Danish job titles, not single titles:

- ``Title, field`` qualifiers: the part before the comma or parenthesis is the title (``Kontorassistent, løn``,
  ``Elektriker (svend)``);
- seniority words: ``senior``/``junior`` dropped, ``chef for X`` / ``leder af X`` -> ``Xchef`` / ``Xleder``;
- trainee forms: ``Xelev``, ``Xlærling``, ``elev som X``, ``trainee X`` -> the occupation trained for, X
  (``butikselev`` -> ``butik``, ``butiksassistent``: a trade's name or its assistant);
- gendered and old forms: ``-inde``, ``-erske``, ``-trice``, ``-øse``, ``-dame``, ``-kone``, ``-pige``,
  ``-mand`` -> today's form;
- abbreviations (``SOSU``, ``HK'er``, ``IT``) and English loanwords (``manager``, ``developer``) -> Danish;
- job-ad phrasing: words that say how the job is offered, not what it is (``søges``, ``(m/k)``, ``deltid``,
  ``barselsvikariat``, a scheme such as ``løntilskud`` or ``flexjob``) dropped; the workplace or place after
  ``til``/``hos``/``i <Place>``, what the ad asks for (``med erfaring i``) and what follows a dash or colon
  cut off, where the title reads as an ad
  (``Tømrer søges til byggeplads`` -> ``tømrer``, ``Barselsvikar: pædagog`` -> ``pædagog``).

:func:`title_variants` returns the normalised title first (weight 1) and then its rewrites, each with a
weight below 1 that multiplies its scores, so a rewrite wins only where it matches clearly better.
"""

from __future__ import annotations

import re

from matching.linking.text import normalise_text

Variant = tuple[str, float]
MAX_VARIANTS = 8
STEP_WEIGHT = 0.95  # one rewrite's weight; rewrites of rewrites multiply
SECOND_CHOICE = 0.99  # a rewrite to use only where the first choice is no better (a trade's assistant)

_SENIORITY = frozenset(
    ["senior", "junior", "sr", "jr", "erfaren", "erfarne", "nyuddannet", "nyuddannede", "uerfaren", "ledende"]
)
_SENIOR_PREFIXES = ("senior", "junior")
# "chef for X" -> "Xchef": the words that take a field after a preposition, and those prepositions.
_LEAD_WORDS = frozenset(["chef", "leder", "direktør", "ansvarlig", "koordinator", "manager", "formand"])
_FIELD_PREPOSITIONS = frozenset(["for", "af", "i", "ved", "på"])
_TRAINEE_WORDS = ("elev", "lærling", "praktikant", "aspirant", "trainee", "apprentice")
_TRAINEE_LEAD = re.compile(
    r"^(?:elev|lærling|praktikant|trainee|apprentice)\s+(?:som\s+|i\s+|til\s+|hos\s+)?(.+)$"
)
_TRAINEE_TAIL = re.compile(r"^(.+?)\s+(?:elev|lærling|praktikant|trainee|apprentice)$")
_TRADE_HEADS = ("assistent", "medarbejder")  # what a trainee of a field (not a trade) becomes
# Job-ad words that say how a job is offered, never what it is (none is a word of an ESCO Danish label).
_AD_WORDS_TEXT = (
    "søges søger mk km mkd deltid fuldtid deltidsstilling fuldtidsstilling vikariat barselsvikariat barselsvikar "
    "sommervikar vikar timelønnet tidsbegrænset midlertidig fastansat ny nye dygtig dygtige engageret "
    "engagerede motiveret ufaglært ufaglærte stilling job timer "
    # the job centre's schemes a job is offered under (subsidised, reduced hours), never what the job is
    "løntilskud flexjob fleksjob seniorjob skånejob fritidsjob studiejob"
)
_AD_WORDS = frozenset(_AD_WORDS_TEXT.split())
_DANGLING = frozenset(["i", "på", "til", "hos", "som", "med", "ved", "for", "og", "eller"])
_GENDER_MARKS = frozenset("mkd")  # "(m/k)", "(m/k/d)" normalised: two or more of them in a row
# Where a job ad names the workplace or place after the title (the title's own "i"/"på" stay: labels use them).
_AD_PLACE = re.compile(r"^(.+?)\s+(?:i|på)\s+[A-ZÆØÅ].*$")
# What an ad asks of the person, after the title (no ESCO Danish label says "med erfaring" or "med flair").
_AD_QUALITIES = re.compile(
    r"^(.+?)\s+med\s+(?:erfaring|flair|interesse|passion|lyst|kendskab|hjerte|sans)\b.*$", re.IGNORECASE
)
_AD_WORKPLACE = re.compile(r"^(.+?)\s+(?:til|hos)\s+\S.*$")
_AD_SEGMENTS = re.compile(r"\s+[-–|]\s+|\s*:\s*")
_NAME = re.compile(r"\s[A-ZÆØÅ][a-zæøå]")  # a capitalised word after the first: a place or workplace
_DOUBLED = re.compile(r"([bdfgklmnprstv])\1$")
# Old and gendered endings -> today's endings (longest first).
_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("erske", ("er",)),
    ("trice", ("tør",)),
    ("øse", ("ør",)),
    ("inde", ("",)),
    ("dame", ("medarbejder", "assistent")),
    ("kone", ("medarbejder", "assistent")),
    ("pige", ("medhjælper", "assistent")),
    ("mand", ("medarbejder",)),
)
# Abbreviations and English loanwords, word for word (normalised words -> Danish label words).
_WORDS: dict[str, tuple[str, ...]] = {
    "sosu": ("social og sundheds",),
    "hk": ("kontor",),
    "hker": ("kontorassistent",),
    "it": ("ikt",),
    "pæd": ("pædagog",),
    "pa": ("personlig assistent",),
    "ass": ("assistent",),
    "adm": ("administrativ",),
    "hr": ("personale", "human resources"),
    "kam": ("key account manager",),
    "ceo": ("administrerende direktør",),
    "cfo": ("økonomidirektør",),
    "cto": ("teknisk direktør",),
    "manager": ("leder", "chef"),
    "developer": ("udvikler",),
    "consultant": ("konsulent",),
    "engineer": ("ingeniør",),
    "assistant": ("assistent",),
    "supporter": ("supportmedarbejder",),
    "officer": ("medarbejder",),
    "specialist": ("specialist",),
    "lead": ("leder",),
    "head": ("chef",),
}
_JOIN_NEXT = frozenset({"sosu", "hk"})  # abbreviations that are the first part of the next word
# "HK'er", "IT'er": an abbreviation with the agent ending -er names the person who works in it.
_AGENT: dict[str, str] = {
    "hk": "kontorassistent",
    "it": "it medarbejder",
    "sosu": "social og sundhedsassistent",
    "pæd": "pædagog",
    "el": "elektriker",
    "vvs": "vvs montør",
}


def title_variants(title: str) -> list[Variant]:
    """The normalised title (weight 1) and its rewrites with their weights, best weight first, no repeats."""
    base = normalise_text(title)
    found: dict[str, float] = {base: 1.0} if base else {}
    for mark in (",", "("):  # "Kontorassistent, løn", "Elektriker (svend)": the title comes first
        head, sep, _field = title.partition(mark)
        if sep and normalise_text(head) and normalise_text(head) != base:
            _add(found, normalise_text(head), STEP_WEIGHT)
    for part, weight in _ad_parts(title):
        if part != base:
            _add(found, part, weight)
    frontier = list(found.items())
    for _ in range(3):  # rules compose: "Senior SOSU-elev" needs three
        nxt: list[Variant] = []
        for text, weight in frontier:
            for rewrite, factor in _rewrites(text):
                if rewrite and rewrite not in found and len(found) < MAX_VARIANTS:
                    found[rewrite] = weight * STEP_WEIGHT * factor
                    nxt.append((rewrite, found[rewrite]))
        frontier = nxt
    return sorted(found.items(), key=lambda v: -v[1])


def _ad_parts(title: str) -> list[Variant]:
    """Job-ad phrasing taken off the raw title (case matters for a place): its title part(s), normalised.

    ``Tømrer søges til byggeplads`` -> ``tømrer``; ``Barselsvikar: pædagog`` -> ``pædagog``; ``Lagermedarbejder
    - fuldtid`` -> ``lagermedarbejder``. Taxonomy labels also use ``til`` and dashes (``procesoperatør -
    coating``), so a title is cut only where it shows it is an ad's: an ad word, a gender mark, a number, a
    capitalised name after the first word or what the ad asks of the person (``med erfaring i``, ``med flair
    for``). On the linking benchmark's dev split (ESCO labels as queries) cutting every title at
    ``til``/``hos``/a dash, even at weight 0.7, lowered MRR; this way it is unchanged."""
    words = normalise_text(title).split()
    plain = _without_ad_words(words)
    if len(plain) == len(words) and not _NAME.search(title) and not _AD_QUALITIES.match(title.strip()):
        return []
    parts = [" ".join(plain)] if plain else []
    for segment in _AD_SEGMENTS.split(title.strip()):
        cuts = [segment.strip()]
        for cut in (_AD_QUALITIES, _AD_PLACE, _AD_WORKPLACE):  # "X til Y i Odense" -> "X til Y", then "X"
            if match := cut.match(cuts[-1]):
                cuts.append(match.group(1))
        for core in cuts:
            if kept := _without_ad_words(normalise_text(core).split()):
                parts.append(" ".join(kept))
    return [(part, STEP_WEIGHT) for part in dict.fromkeys(parts)]


def _without_ad_words(words: list[str]) -> list[str]:
    """``words`` less job-ad words, numbers (``37 timer``) and gender marks (``m k``, ``m k d``), and less a
    preposition left dangling at the end (``Rengøringsassistent i seniorjob`` -> ``rengøringsassistent``)."""
    marks = [w in _GENDER_MARKS for w in words]
    in_run = [
        m and ((i > 0 and marks[i - 1]) or (i + 1 < len(words) and marks[i + 1])) for i, m in enumerate(marks)
    ]
    kept = [
        w for w, run in zip(words, in_run, strict=True) if not run and w not in _AD_WORDS and not w.isdigit()
    ]
    while len(kept) < len(words) and kept and kept[-1] in _DANGLING:
        kept.pop()
    return kept


def _add(found: dict[str, float], text: str, weight: float) -> None:
    if text and found.get(text, 0.0) < weight:
        found[text] = weight


def _rewrites(text: str) -> list[Variant]:
    """One step of rewrites, each with a factor on the step's weight (1 but for second choices)."""
    words = text.split()
    out: list[str] = []
    out += _drop_seniority(words)
    out += _field_first(words)
    trainee = _trainee(text, words)
    out += _modern_ending(words)
    out += _word_for_word(words)
    return [*trainee, *((rewrite, 1.0) for rewrite in out)]


def _drop_seniority(words: list[str]) -> list[str]:
    kept = [w for w in words if w not in _SENIORITY]
    out = [" ".join(kept)] if kept and len(kept) < len(words) else []
    for prefix in _SENIOR_PREFIXES:
        if words and words[0].startswith(prefix) and len(words[0]) >= len(prefix) + 3:
            out.append(" ".join([words[0][len(prefix) :], *words[1:]]))
    return out


def _field_first(words: list[str]) -> list[str]:
    """``chef for salg`` -> ``salgschef``, ``salg chef``; ``leder af kundeservice`` -> ``kundeserviceleder``."""
    if len(words) >= 3 and words[-2] in _FIELD_PREPOSITIONS and words[-3].endswith(tuple(_LEAD_WORDS)):
        lead, fld = " ".join(words[:-2]), words[-1]
        return [f"{fld}{lead}", f"{fld}s{lead}", f"{fld} {lead}"]
    return []


def _trainee(text: str, words: list[str]) -> list[Variant]:
    """The trade trained for; its assistant forms as a second choice, so a ``frisørelev`` is a ``frisør``
    before a ``frisørassistent`` (they tied), and a ``butikselev`` still a ``butiksassistent``."""
    match = _TRAINEE_LEAD.match(text) or _TRAINEE_TAIL.match(text)
    if match:
        return [(match.group(1), 1.0)]
    last = words[-1] if words else ""
    for suffix in _TRAINEE_WORDS:
        stem = last[: -len(suffix)]
        if last.endswith(suffix) and len(stem) >= 3:
            trade = " ".join([*words[:-1], stem])
            heads = [(f"{trade}{h}", SECOND_CHOICE) for h in _TRADE_HEADS]
            return [(trade, 1.0), (_without_linking_letter(trade), 1.0), *heads]
    return []


def _without_linking_letter(word: str) -> str:
    """``butiks`` -> ``butik``, ``smede`` -> ``smed``, ``kokke`` -> ``kok`` (a compound's joining letter)."""
    if len(word) < 5 or not word.endswith(("s", "e")):
        return word
    return _DOUBLED.sub(r"\1", word[:-1])


def _modern_ending(words: list[str]) -> list[str]:
    if not words:
        return []
    last = words[-1]
    for old, new in _ENDINGS:
        if last.endswith(old) and len(last) - len(old) >= 2:
            stem = last[: -len(old)]
            return [" ".join([*words[:-1], f"{stem}{n}"]) for n in new]
    return []


def _word_for_word(words: list[str]) -> list[str]:
    """Abbreviations and loanwords replaced; a prefix abbreviation joins the next word (``sosu hjælper``)."""
    if len(words) >= 2 and words[1] in ("er", "ere") and words[0] in _AGENT:
        return [" ".join([_AGENT[words[0]], *words[2:]])]
    hits = [i for i, w in enumerate(words) if w in _WORDS]
    if not hits:
        return _split_prefix(words)
    out = []
    for choice in range(max(len(_WORDS[words[i]]) for i in hits)):
        parts: list[str] = []
        skip = False
        for i, word in enumerate(words):
            if skip:
                skip = False
                continue
            options = _WORDS.get(word)
            if options is None:
                parts.append(word)
                continue
            new = options[min(choice, len(options) - 1)]
            if word in _JOIN_NEXT and i + 1 < len(words):
                parts.append(new + words[i + 1])
                skip = True
            else:
                parts.append(new)
        out.append(" ".join(parts))
    return out


def _split_prefix(words: list[str]) -> list[str]:
    """The written-together form: ``sosuhjælper`` -> ``social og sundhedshjælper``."""
    for i, word in enumerate(words):
        for abbrev in sorted(_JOIN_NEXT):
            if word.startswith(abbrev) and len(word) > len(abbrev) + 3:
                return [" ".join([*words[:i], f"{_WORDS[abbrev][0]}{word[len(abbrev) :]}", *words[i + 1 :]])]
    return []
