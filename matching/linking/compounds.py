"""Danish compound guesses for a title, accepted only where they are a label of the taxonomy (a lexicon check).

A Danish compound names its kind of job last: ``restaurant|kok`` is a ``kok``, ``bygnings|elektriker`` an
``elektriker``, ``lastbil|mekaniker`` a ``bilmekaniker``. And a ``Title, field`` qualifier often stands for
the compound of the two: ``Sekretær, læge`` is a ``lægesekretær``, ``Chef, salg`` a ``salgschef``. Character
similarity misses both when the modifier looks like another occupation's (a ``restaurantkok`` near a
``restaurantchef``). These guesses are cheap but loose, so none is scored against the index: a guess counts
only where it equals a label text, at a weight below the title's own exact matches (:mod:`linker`):

- ``head``: the longest proper ending of the last word that is a label, after a modifier of at least
  ``MIN_MODIFIER`` letters, weight ``HEAD_WEIGHT`` (below a rewrite's, so a specific occupation that matches
  the whole title well keeps first place: ``psykiatrisygeplejerske`` -> ``psykiatrisk sygeplejerske``).
  The linker lets it lift only an occupation whose preferred label the head is, and only one the title
  already scores within ``HEAD_MARGIN`` of its best: on ESCO's own Danish compounds (``bagerichef``,
  ``stålmontør``) an unchecked head overruled the right, more specific occupation;
- ``field``: for ``Title, field`` (and a job ad's ``Title til field``, ``Kok til kantine``) the field joined
  to the title (with and without the linking ``s``), and to the title's own head, weight ``FIELD_WEIGHT``
  (above the bare title's, which is less specific);
- ``join``: a compound written apart (særskrivning, common in job ads: ``Butiks assistent``, ``Lager
  arbejder``; or an abbreviation spelt out: ``Pæd. medhjælper`` -> ``pædagog medhjælper``) joined, with and
  without the linking ``s``, weight ``JOIN_WEIGHT``; the linker uses it like a field guess;
- ``setting``: a job ad's title followed by where the job is (``Sygeplejerske til akutmodtagelsen``, ``Tjener
  på restaurant``) -> the title, where it is a label, weight ``SETTING_WEIGHT``; used like a field guess. Not
  for a title the taxonomy itself specialises by a setting in ``MIN_SPECIALISED`` or more labels (``lektor i
  historie``, ``maskinarbejder til ...``): there the setting names the occupation;
- ``plural``: a title in the plural, as ads write it (``Tømrere søges``, ``Sosu-assistenter``) -> its last
  word in the singular (``-ere``/``-er``/``-e`` off, a doubled consonant undone: ``kokke`` -> ``kok``), where
  that makes a label, weight ``PLURAL_WEIGHT``; used like a field guess (the setting guess also tries it);
- ``alternatives``: two titles named as alternatives (``Tømrer/snedker``, ``Kok eller køkkenassistent``) ->
  each that is a label, the first at the higher of ``ALTERNATIVE_WEIGHTS``; used like a field guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from matching.linking.text import normalise_text

MIN_MODIFIER = 3  # "bil|mekaniker"; shorter beginnings are prefixes, not words
MIN_HEAD = 3  # "kok"
HEAD_WEIGHT = 0.85
HEAD_GATE = 0.8  # head guesses only for a title nothing else matches this well
HEAD_MARGIN = 0.15  # ... and only for an occupation the title already scores within this of its best
HEAD_TIE_MARGIN = 0.01  # above the gate a head only breaks a near-tie: its occupation within this of the best
FIELD_WEIGHT = 0.97
FIELD_HEAD_WEIGHT = 0.96
JOIN_WEIGHT = 0.97
PLURAL_WEIGHT = 0.97
ALTERNATIVE_WEIGHTS = (0.97, 0.96)  # "Tømrer/snedker": the first named first, the second next
SETTING_WEIGHT = 0.9
MIN_SPECIALISED = 5  # labels "<title> <setting word> ..." that make a title one the taxonomy specialises
_SETTING_WORDS = ("til", "hos", "i", "på", "ved")  # "Tjener på restaurant"
_ALTERNATIVES = re.compile(r"\s*/\s*|\s+eller\s+", re.IGNORECASE)
_LINKS = ("", "s")  # a compound's joining letter: "butik|s|assistent"

Guess = tuple[str, float]


def compound_head(word: str, is_label: Callable[[str], bool]) -> str | None:
    """The longest proper ending of ``word`` that is a label (``bygningselektriker`` -> ``elektriker``)."""
    for cut in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
        if is_label(word[cut:]):
            return word[cut:]
    return None


def head_guesses(text: str, is_label: Callable[[str], bool]) -> list[Guess]:
    """``restaurantkok`` -> ``kok``; ``social og sundhedsunderviser`` -> ``social og underviser`` if a label."""
    words = text.split()
    if not words or is_label(text):
        return []
    head = compound_head(words[-1], is_label)
    guess = " ".join([*words[:-1], head]) if head else ""
    return [(guess, HEAD_WEIGHT)] if guess and is_label(guess) else []


def field_guesses(title: str, is_label: Callable[[str], bool]) -> list[Guess]:
    """``Sekretær, læge`` -> ``lægesekretær``; ``Teamleder, kundeservice`` -> ``kundeserviceleder``;
    ``Pædagog til børnehave`` -> ``børnehavepædagog``."""
    head, sep, fld = title.partition(",")
    if not sep:
        head, sep, fld = title.partition(" til ")
    name, fld = normalise_text(head), normalise_text(fld)
    if not sep or not name or not fld or " " in name or " " in fld:
        return []
    out = [(f"{fld}{link}{name}", FIELD_WEIGHT) for link in _LINKS]
    own_head = compound_head(name, is_label)
    if own_head:
        out += [(f"{fld}{link}{own_head}", FIELD_HEAD_WEIGHT) for link in _LINKS]
    return [(text, weight) for text, weight in out if is_label(text)]


def joined_guesses(text: str, is_label: Callable[[str], bool]) -> list[Guess]:
    """A compound written apart (særskrivning, or an abbreviation spelt out): ``lager medarbejder`` ->
    ``lagermedarbejder``, ``pædagog medhjælper`` -> ``pædagogmedhjælper``; only where the result is a label."""
    words = text.split()
    if len(words) < 2 or is_label(text):
        return []
    out = []
    for i in range(len(words) - 1):
        for link in _LINKS:
            joined = " ".join([*words[:i], f"{words[i]}{link}{words[i + 1]}", *words[i + 2 :]])
            if is_label(joined):
                out.append((joined, JOIN_WEIGHT))
    return out


def singulars(word: str) -> list[str]:
    """Candidate singular forms of a Danish plural: ``tømrere`` -> ``tømrer``, ``pædagoger`` -> ``pædagog``,
    ``sygeplejersker`` -> ``sygeplejerske``, ``smede`` -> ``smed``, ``kokke`` -> ``kok`` (unchecked)."""
    out = []
    if word.endswith("er") and len(word) > 4:
        out += [word[:-2], word[:-1]]
    elif word.endswith("e") and len(word) > 3:
        stem = word[:-1]
        out.append(stem)
        if len(stem) > 2 and stem[-1] == stem[-2]:
            out.append(stem[:-1])
    return out


def plural_guesses(text: str, is_label: Callable[[str], bool]) -> list[Guess]:
    """A title in the plural, as job ads often write it (``Tømrere søges``, ``Sosu-assistenter``): its last
    word in the singular, where that makes a label."""
    if is_label(text):
        return []
    return [(guess, PLURAL_WEIGHT) for guess in _singular_forms(text) if is_label(guess)]


def alternative_guesses(title: str, is_label: Callable[[str], bool]) -> list[Guess]:
    """``Tømrer/snedker``, ``Kok eller køkkenassistent``: each of two named titles that is a label (or whose
    singular is one), the first at the higher weight; not where the pair is a label (``bager — konditor``)."""
    parts = [normalise_text(part) for part in _ALTERNATIVES.split(title.strip())]
    if len(parts) != 2 or not all(parts) or is_label(normalise_text(title)):
        return []
    out = []
    for part, weight in zip(parts, ALTERNATIVE_WEIGHTS, strict=True):
        out += [(form, weight) for form in [part, *_singular_forms(part)] if is_label(form)][:1]
    return out


def specialised_titles(labels: Iterable[str]) -> frozenset[str]:
    """Titles the taxonomy itself specialises by a setting: ``lektor`` for ``lektor i historie``."""
    counts: dict[str, int] = {}
    for label in labels:
        if title := _before_setting(label.split()):
            counts[title] = counts.get(title, 0) + 1
    return frozenset(title for title, n in counts.items() if n >= MIN_SPECIALISED)


def setting_guesses(text: str, is_label: Callable[[str], bool], specialised: frozenset[str]) -> list[Guess]:
    """``sygeplejerske til akutmodtagelsen`` -> ``sygeplejerske``: a title that is a label, followed by where
    the job is. Not where the whole text is a label, nor for a title the taxonomy specialises by a setting
    (``lektor i astrofysik`` is a kind of lektor, named so: on the benchmark's dev split, where such labels
    are the queries, guessing the bare title there cost MRR)."""
    title = _before_setting(text.split())
    if not title or is_label(text):
        return []
    forms = [title, *_singular_forms(title)]  # "sygeplejersker til ..."
    return [(form, SETTING_WEIGHT) for form in forms if is_label(form) and form not in specialised][:1]


def _singular_forms(text: str) -> list[str]:
    """``text`` with its last word in each candidate singular form (:func:`singulars`)."""
    words = text.split()
    return [" ".join([*words[:-1], singular]) for singular in singulars(words[-1])] if words else []


def _before_setting(words: list[str]) -> str | None:
    """The words before the first setting word (``til``, ``i`` ...) that has words on both sides."""
    for i, word in enumerate(words[1:-1], start=1):
        if word in _SETTING_WORDS:
            return " ".join(words[:i])
    return None
