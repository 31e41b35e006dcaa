"""Danish title rewrites, head words, exact-first ranking, bounded scores and matched labels (built-in catalogue)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from data import columns as C
from data.taxonomy import Taxonomy, load_builtin
from matching.linking import TitleLinker, compounds, normalise_text, title_variants, write_links
from matching.linking.compounds import (
    ALTERNATIVE_WEIGHTS,
    FIELD_HEAD_WEIGHT,
    FIELD_WEIGHT,
    HEAD_WEIGHT,
    JOIN_WEIGHT,
    PLURAL_WEIGHT,
    SETTING_WEIGHT,
    alternative_guesses,
    field_guesses,
    head_guesses,
    joined_guesses,
    plural_guesses,
    setting_guesses,
    singulars,
    specialised_titles,
)
from matching.linking.heads import HeadWords, head_token
from matching.linking.labels import PREFERRED
from matching.linking.linker import CEILING, EXACT_OTHER, EXACT_PREFERRED, TIE_SPAN, Aggregate, bounded


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_builtin()


@pytest.fixture(scope="module")
def linker(taxonomy: Taxonomy) -> TitleLinker:
    return TitleLinker(taxonomy, None, lexical_weight=1.0, aggregate="lse", index_skills=False).fit()


def _texts(title: str) -> list[str]:
    return [text for text, _ in title_variants(title)]


@pytest.mark.parametrize(
    ("title", "rewrite"),
    [
        ("Tømrerelev", "tømrer"),
        ("Murerlærling", "murer"),
        ("Butikselev", "butiksassistent"),
        ("elev som frisør", "frisør"),
        ("Lærling som automekaniker", "automekaniker"),
        ("Trainee softwareudvikler", "softwareudvikler"),
        ("Kokkeelev", "kok"),
        ("Smedelærling", "smed"),
        ("Butiksbestyrerinde", "butiksbestyrer"),
        ("Kassedame", "kassemedarbejder"),
        ("Rengøringskone", "rengøringsassistent"),
        ("Syerske", "syer"),
        ("Frisøse", "frisør"),
        ("Lagermand", "lagermedarbejder"),
        ("SOSU-hjælper", "social og sundhedshjælper"),
        ("Sosuassistent", "social og sundhedsassistent"),
        ("HK'er", "kontorassistent"),
        ("IT-konsulent", "ikt konsulent"),
        ("Project manager", "project leder"),
        ("Kontorassistent, løn", "kontorassistent"),
        ("Teamleder, kundeservice", "teamleder"),
        ("Elektriker (svend)", "elektriker"),
        ("Senior udvikler", "udvikler"),
        ("Junior konsulent", "konsulent"),
        ("Seniorkonsulent", "konsulent"),
        ("Chef for salg", "salgschef"),
        ("Leder af kundeservice", "kundeserviceleder"),
        ("Tømrer søges (m/k)", "tømrer"),
        ("Lagermedarbejder - fuldtid", "lagermedarbejder"),
        ("Barselsvikar: pædagog", "pædagog"),
        ("Frisør til salon i Aarhus", "frisør"),
        ("Ejendomsservicetekniker (m/k/d) til boligforening", "ejendomsservicetekniker"),
        ("Bogholder - 37 timer", "bogholder"),
        ("Lagermedarbejder - løntilskud", "lagermedarbejder"),  # a job centre scheme, not the job
        ("Rengøringsassistent i seniorjob", "rengøringsassistent"),  # no preposition left dangling
        ("Elektriker med erfaring i automation", "elektriker"),
    ],
)
def test_rewrites_cover_each_class(title: str, rewrite: str) -> None:
    variants = title_variants(title)
    assert variants[0][1] == 1.0  # the title itself comes first, at full weight
    assert rewrite in _texts(title)
    assert all(0.0 < w < 1.0 for _, w in variants[1:])
    assert len(set(_texts(title))) == len(variants)


def test_plain_titles_are_left_alone() -> None:
    assert title_variants("Tømrer") == [("tømrer", 1.0)]
    assert title_variants("") == []


def test_a_trainee_is_the_trade_first_and_its_assistant_second() -> None:
    weights = dict(title_variants("Frisørelev"))
    assert weights["frisør"] > weights["frisørassistent"] > 0.9
    assert "butiksassistent" in dict(title_variants("Butikselev"))  # "butik" is no occupation


def test_a_title_is_cut_at_til_or_a_dash_only_where_it_reads_as_an_ad() -> None:
    """Taxonomy labels use "til" and dashes too; without an ad word, mark, number or name nothing is cut."""
    assert _texts("procesoperatør - coating") == ["procesoperatør coating"]
    assert _texts("assistent til salgssupport") == ["assistent til salgssupport"]
    assert _texts("Assistent til salgssupport i Odense")[1:] == ["assistent til salgssupport", "assistent"]
    assert "pædagog" not in _texts("Pædagog til vuggestue")
    assert _texts("kok med speciale i bagværk") == ["kok med speciale i bagværk"]
    assert "vikar" not in _texts("Vikar: sygeplejerske")[1:]


def test_head_words_are_learned_from_labels() -> None:
    heads = HeadWords.learn(["konsulent", "salgskonsulent", "kok", "skibskok", "leder af lager", "teamleder"])
    assert heads.head_of("kommunikationskonsulent") == "konsulent"
    assert heads.head_of("køkkenkok") == "kok"
    assert heads.head_of("blomsterbinder") is None
    assert head_token("leder af kundeservice") == "leder"
    assert head_token("social og sundhedsassistent") == "sundhedsassistent"
    assert heads.id_of("lagerleder") == heads.words["leder"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Tømrerelev", "dk.o.toemrer"),
        ("Murerlærling", "dk.o.murer"),
        ("Elev som smed", "dk.o.smed"),
        ("Bagerlærling", "dk.o.bager"),
        ("Kassedame", "dk.o.kassemedarbejder"),
        ("SOSU-hjælper", "dk.o.sosu_hjaelper"),
        ("SOSU-assistent", "dk.o.sosu_assistent"),
        ("Senior softwareudvikler", "dk.o.softwareudvikler"),
        ("Junior webudvikler", "dk.o.webudvikler"),
        ("Lønbogholder, timeløn", "dk.o.loenbogholder"),
        ("Sekretær, advokatkontor", "dk.o.sekretaer"),
        ("Erfaren tømrer", "dk.o.toemrer"),
        ("Tømrer søges til byggeplads (m/k)", "dk.o.toemrer"),
        ("Elektriker - fuldtid", "dk.o.elektriker"),
    ],
)
def test_danish_title_forms_link_at_rank_one(linker: TitleLinker, title: str, expected: str) -> None:
    assert linker.link([title], k=1)[C.OCCUPATION_ID][0] == expected


def test_a_preferred_label_wins_a_shared_label(taxonomy: Taxonomy) -> None:
    """Give two occupations the same text, once as preferred label and once as synonym: preferred first."""
    occ = taxonomy.occupations
    shared = occ.filter(pl.col(C.OCCUPATION_ID) == "dk.o.sosu_assistent")[C.LABEL_DA][0]
    occupations = occ.with_columns(
        pl.when(pl.col(C.OCCUPATION_ID) == "dk.o.hjemmehjaelper")
        .then(pl.concat_list(pl.col(C.SYNONYMS), pl.lit([shared, "hjemmehjælper i kommunen", "hjemmehjælp"])))
        .otherwise(pl.col(C.SYNONYMS))
        .alias(C.SYNONYMS)
    )
    tax = Taxonomy.build("shared", occupations, taxonomy.skills, taxonomy.occupation_skills)
    for aggregate in ("max", "lse"):
        linker = TitleLinker(tax, None, lexical_weight=1.0, aggregate=aggregate, index_skills=False).fit()
        top = linker.link([shared], k=2)
        assert top[C.OCCUPATION_ID].to_list() == ["dk.o.sosu_assistent", "dk.o.hjemmehjaelper"]
        assert top["score"].to_list() == pytest.approx([EXACT_PREFERRED, EXACT_OTHER])
        entries = linker.occupation_index_.exact[normalise_text(shared)]
        assert entries[0][1] == PREFERRED


def test_scores_never_exceed_one(linker: TitleLinker, taxonomy: Taxonomy) -> None:
    titles = [*taxonomy.occupations[C.LABEL_DA].to_list(), *taxonomy.occupations[C.LABEL_EN].to_list()]
    titles += ["Tømrerelev", "sosu", "", "x", "Kassedame, nat", "Senior senior udvikler"]
    for aggregate, temperature in (("lse", 0.05), ("lse", 0.5), ("lse", 0.01), ("max", 0.05)):
        linker.aggregate, linker.temperature = aggregate, temperature
        scores = linker.score_matrix(titles)
        assert scores.max() <= 1.0 and scores.min() >= 0.0
        frame = linker.link(titles, k=5)
        assert frame["score"].max() <= 1.0 and frame["score"].min() >= 0.0
    linker.aggregate, linker.temperature = "lse", 0.05


def test_bounded_keeps_order_and_stays_below_the_exact_scores() -> None:
    raw = np.linspace(-0.5, 3.0, 400, dtype=np.float32)[None, :]
    out = bounded(raw.copy())[0]
    assert np.all(np.diff(out[raw[0] >= 0]) >= 0)
    assert out.max() <= CEILING < EXACT_OTHER < EXACT_PREFERRED
    assert out[np.searchsorted(raw[0], 0.5)] == pytest.approx(0.5, abs=0.01)


def test_link_shows_the_matched_label(linker: TitleLinker) -> None:
    out = linker.link(["forklift driver", "Kassedame", "Tømrerelev"], k=1)
    assert out["matched_label"].to_list()[0].lower() == "forklift driver"
    assert out["matched_label"].to_list()[1].lower() in {"kassedame", "kassemedarbejder"}
    assert out["matched_label"].to_list()[2] == "Tømrer"
    buf = __import__("io").StringIO()
    write_links(out, buf, fmt="csv")
    assert buf.getvalue().splitlines()[0].endswith(",score,matched_label,named_skill")


def test_repeated_titles_give_the_same_rows(linker: TitleLinker) -> None:
    once = linker.link(["murer", "tømrer"], k=3)
    twice = linker.link(["murer", "tømrer", "murer"], k=3)
    assert twice.head(6).equals(once)
    assert twice.tail(3).equals(once.head(3))


def test_rules_can_be_switched_off(taxonomy: Taxonomy) -> None:
    plain = TitleLinker(taxonomy, None, lexical_weight=1.0, rewrite=False, exact_first=False, head_weight=0.0)
    plain.fit()
    assert plain.link(["tømrer"], k=1)[C.OCCUPATION_ID][0] == "dk.o.toemrer"
    with pytest.raises(ValueError, match="head_weight"):
        TitleLinker(taxonomy, None, head_weight=2.0).fit()


def test_head_word_bonus_prefers_the_same_kind_of_job(taxonomy: Taxonomy) -> None:
    """A ``...konsulent`` with an unknown modifier goes to some consultant once heads get a bonus."""
    with_heads = TitleLinker(taxonomy, None, lexical_weight=1.0, head_weight=0.5, index_skills=False).fit()
    top = with_heads.link(["Køkkenkonsulent"], k=3)
    assert all(m.lower().endswith("konsulent") for m in top["matched_label"])  # not "køkkenassistent"
    assert with_heads.link(["tømrer"], k=1)["score"][0] == 1.0


def test_compound_guesses_count_only_where_they_are_labels() -> None:
    labels = {"kok", "elektriker", "bilmekaniker", "lægesekretær", "salgschef", "leder", "kundeserviceleder"}
    is_label = labels.__contains__
    assert head_guesses("restaurantkok", is_label) == [("kok", HEAD_WEIGHT)]
    assert head_guesses("bygningselektriker", is_label) == [("elektriker", HEAD_WEIGHT)]
    assert head_guesses("lastbilmekaniker", is_label) == [("bilmekaniker", HEAD_WEIGHT)]  # longest ending
    assert head_guesses("kok", is_label) == []  # already a label
    assert head_guesses("blomsterbinder", is_label) == []
    assert head_guesses("senior restaurantkok", is_label) == []  # "senior kok" is no label
    assert field_guesses("Sekretær, læge", is_label) == [("lægesekretær", FIELD_WEIGHT)]
    assert field_guesses("Chef, salg", is_label) == [("salgschef", FIELD_WEIGHT)]
    assert field_guesses("Teamleder, kundeservice", is_label) == [("kundeserviceleder", FIELD_HEAD_WEIGHT)]
    assert field_guesses("Kok", is_label) == [] and field_guesses("Kok, om natten", is_label) == []
    assert field_guesses("Sekretær til læge", is_label) == [("lægesekretær", FIELD_WEIGHT)]
    assert HEAD_WEIGHT < 0.95 < FIELD_HEAD_WEIGHT < FIELD_WEIGHT < 1.0


def test_a_compound_written_apart_is_joined_where_the_result_is_a_label() -> None:
    is_label = {
        "butiksassistent",
        "social og sundhedsassistent",
        "lagermedarbejder",
        "pædagogmedhjælper",
    }.__contains__
    assert joined_guesses("butiks assistent", is_label) == [("butiksassistent", JOIN_WEIGHT)]
    assert joined_guesses("butik assistent", is_label) == [("butiksassistent", JOIN_WEIGHT)]  # joining s
    assert joined_guesses("social og sundheds assistent", is_label) == [
        ("social og sundhedsassistent", JOIN_WEIGHT)
    ]
    assert joined_guesses("pædagog medhjælper", is_label) == [("pædagogmedhjælper", JOIN_WEIGHT)]
    assert joined_guesses("lager chef", is_label) == []  # no such label
    assert joined_guesses("lagermedarbejder", is_label) == []  # one word


def test_two_titles_named_as_alternatives_are_each_guessed_the_first_first() -> None:
    is_label = {"tømrer", "snedker", "kok", "køkkenassistent", "bager konditor", "bager"}.__contains__
    first, second = ALTERNATIVE_WEIGHTS
    assert first > second
    assert alternative_guesses("Tømrer/snedker", is_label) == [("tømrer", first), ("snedker", second)]
    assert alternative_guesses("Kok eller køkkenassistent", is_label) == [
        ("kok", first),
        ("køkkenassistent", second),
    ]
    assert alternative_guesses("Tømrere / snedkere", is_label) == [("tømrer", first), ("snedker", second)]
    assert alternative_guesses("Bager/konditor", is_label) == []  # the pair is a label itself
    assert alternative_guesses("Tømrer", is_label) == []
    assert alternative_guesses("Tømrer/snedker/maler", is_label) == []  # only a pair


@pytest.mark.parametrize(
    ("title", "first", "second"),
    [
        ("Smed/svejser", "dk.o.smed", "dk.o.svejser"),  # without the guess: Svejser first
        ("Tjener/bartender", "dk.o.tjener", "dk.o.bartender"),  # ... Bartender first
    ],
)
def test_alternatives_link_to_the_first_named_then_the_second(
    linker: TitleLinker, title: str, first: str, second: str
) -> None:
    assert linker.link([title], k=2)[C.OCCUPATION_ID].to_list() == [first, second]


def test_a_plural_title_is_guessed_as_its_singular_label() -> None:
    assert singulars("tømrere") == ["tømrer"]
    assert singulars("pædagoger") == ["pædagog", "pædagoge"]
    assert "sygeplejerske" in singulars("sygeplejersker")
    assert singulars("kokke") == ["kokk", "kok"]  # a doubled consonant before the plural -e
    assert singulars("kok") == []
    is_label = {
        "tømrer",
        "pædagog",
        "sygeplejerske",
        "kok",
        "social og sundhedsassistent",
        "bager",
    }.__contains__
    assert plural_guesses("tømrere", is_label) == [("tømrer", PLURAL_WEIGHT)]
    assert plural_guesses("sygeplejersker", is_label) == [("sygeplejerske", PLURAL_WEIGHT)]
    assert plural_guesses("kokke", is_label) == [("kok", PLURAL_WEIGHT)]
    assert plural_guesses("social og sundhedsassistenter", is_label) == [
        ("social og sundhedsassistent", PLURAL_WEIGHT)
    ]
    assert plural_guesses("bager", is_label) == []  # a label itself: no guess
    assert plural_guesses("lærer", is_label) == []  # "lær", "lære": only labels count


@pytest.mark.parametrize(("title", "expected"), [("Smede", "dk.o.smed"), ("Kokke", "dk.o.kok")])
def test_a_plural_links_as_its_singular_label(linker: TitleLinker, title: str, expected: str) -> None:
    """Without the guess these scored 0.55 (character overlap only): now the label, at the guess's weight."""
    top = linker.link([title], k=1).row(0, named=True)
    assert top[C.OCCUPATION_ID] == expected
    assert top["matched_label"].lower() == expected.removeprefix("dk.o.")
    assert top["score"] == pytest.approx(PLURAL_WEIGHT, abs=1e-3)


def test_a_title_before_where_the_job_is_is_guessed_unless_the_taxonomy_specialises_it_so() -> None:
    labels = {"sygeplejerske", "tjener", "lektor", "sygeplejerske hos en dyrlæge"}
    labels |= {f"lektor i {field}" for field in ("historie", "fysik", "kemi", "jura", "musik")}
    specialised = specialised_titles(labels)
    assert specialised == {"lektor"}  # one "sygeplejerske hos ..." label does not make a specialising title
    is_label = labels.__contains__
    assert setting_guesses("sygeplejerske til akutmodtagelsen", is_label, specialised) == [
        ("sygeplejerske", SETTING_WEIGHT)
    ]
    assert setting_guesses("tjener på restaurant", is_label, specialised) == [("tjener", SETTING_WEIGHT)]
    assert setting_guesses("lektor i astrofysik", is_label, specialised) == []  # a kind of lektor
    assert setting_guesses("sygeplejerske hos en dyrlæge", is_label, specialised) == []  # a label itself
    assert setting_guesses("kok til kantine", is_label, specialised) == []  # "kok" is no label here
    assert setting_guesses("sygeplejerske til", is_label, specialised) == []  # no setting after the word
    assert setting_guesses("sygeplejersker til plejecenter", is_label, specialised) == [  # in the plural
        ("sygeplejerske", SETTING_WEIGHT)
    ]
    assert HEAD_WEIGHT < SETTING_WEIGHT < FIELD_WEIGHT  # above a head guess, below a field guess


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Tjener på restaurant", "dk.o.tjener"),  # without the guess: Restaurantchef
        ("Smed til produktion", "dk.o.smed"),  # ... Produktionsmedarbejder
        ("Kok til kantine", "dk.o.kok"),  # ... Kantinemedarbejder
    ],
)
def test_a_title_followed_by_its_workplace_links_to_the_title(
    linker: TitleLinker, title: str, expected: str
) -> None:
    top = linker.link([title], k=1).row(0, named=True)
    assert top[C.OCCUPATION_ID] == expected
    assert top["matched_label"].lower() == title.split()[0].lower()
    assert top["score"] == pytest.approx(SETTING_WEIGHT, abs=1e-3)


@pytest.mark.parametrize(
    ("title", "expected", "matched"),
    [
        ("Butiks assistent", "dk.o.butiksassistent", "Butiksassistent"),
        ("Lager arbejder", "dk.o.lagerarbejder", "Lagerarbejder"),
        ("Pæd. medhjælper", "dk.o.paedagogmedhjaelper", "Pædagogmedhjælper"),  # abbreviation, then joined
    ],
)
def test_split_compounds_link_as_the_joined_label(
    linker: TitleLinker, title: str, expected: str, matched: str
) -> None:
    """Written apart, the compound is still a label: scored as an exact guess less its rewrites (the encoder
    alone gave these 0.68-0.80), with the joined label shown as the one that matched."""
    top = linker.link([title], k=1).row(0, named=True)
    assert (top[C.OCCUPATION_ID], top["matched_label"]) == (expected, matched)
    assert top["score"] > 0.9


@pytest.mark.parametrize(
    ("title", "expected", "matched"),
    [
        ("Hotelkok", "dk.o.kok", "Kok"),
        ("Bygningselektriker", "dk.o.elektriker", "Elektriker"),
        ("Sekretær, læge", "dk.o.laegesekretaer", "Lægesekretær"),
    ],
)
def test_compounds_link_to_their_head_with_the_label_that_matched(
    linker: TitleLinker, title: str, expected: str, matched: str
) -> None:
    top = linker.link([title], k=1).row(0, named=True)
    assert (top[C.OCCUPATION_ID], top["matched_label"]) == (expected, matched)
    assert top["score"] <= FIELD_WEIGHT + 1e-6  # a guess never outranks an exact match of the title


def test_occupations_sharing_a_synonym_are_ordered_by_their_own_label_not_by_how_many_they_have(
    taxonomy: Taxonomy,
) -> None:
    """Kok and Elektriker carry the same synonym, Elektriker also two more like it: pooled over all labels
    Elektriker would win; ordered by how well the title matches each one's own label, Kok comes first."""
    tax = _with_synonym(taxonomy, "dk.o.kok", "kokkesvend i køkken")
    for synonym in ("kokkesvend i køkken", "kokkesvend", "køkkensvend i køkken"):
        tax = _with_synonym(tax, "dk.o.elektriker", synonym)
    linker = TitleLinker(tax, None, lexical_weight=1.0, aggregate="lse", index_skills=False).fit()
    kok, el = (linker.occupation_ids.index(o) for o in ("dk.o.kok", "dk.o.elektriker"))
    linker.exact_first = False
    pooled = linker.score_matrix(["kokkesvend i køkken"])[0]
    assert pooled[el] > pooled[kok]  # a real contest: more labels, a higher soft maximum
    linker.exact_first = True
    scores = linker.score_matrix(["kokkesvend i køkken"])[0]
    assert CEILING < scores[el] < scores[kok] <= EXACT_OTHER


def _with_synonym(taxonomy: Taxonomy, occupation_id: str, synonym: str) -> Taxonomy:
    occ = taxonomy.occupations.with_columns(
        pl.when(pl.col(C.OCCUPATION_ID) == occupation_id)
        .then(pl.concat_list(pl.col(C.SYNONYMS), pl.lit([synonym])))
        .otherwise(pl.col(C.SYNONYMS))
        .alias(C.SYNONYMS)
    )
    return Taxonomy.build(f"with-{synonym}", occ, taxonomy.skills, taxonomy.occupation_skills)


def _kok_also_names_elektriker(taxonomy: Taxonomy, aggregate: Aggregate) -> tuple[TitleLinker, int, int]:
    """A lexical linker where ``kok`` is Kok's preferred label and also a synonym of Elektriker; both columns."""
    tax = _with_synonym(taxonomy, "dk.o.elektriker", "kok")
    linker = TitleLinker(tax, None, lexical_weight=1.0, aggregate=aggregate, index_skills=False).fit()
    kok, el = (linker.occupation_ids.index(o) for o in ("dk.o.kok", "dk.o.elektriker"))
    return linker, kok, el


def test_a_head_lifts_only_the_occupation_it_is_the_preferred_label_of(
    taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kok`` is Kok's preferred label and (here) also a synonym of Elektriker: "Hotelkok" lifts Kok only."""
    linker, kok, el = _kok_also_names_elektriker(taxonomy, "lse")
    with_heads = linker.score_matrix(["Hotelkok"])[0]
    monkeypatch.setattr(compounds, "HEAD_GATE", -1.0)  # every title above the gate: heads only break ties
    without = linker.score_matrix(["Hotelkok"])[0]
    assert (
        with_heads[kok] == pytest.approx(HEAD_WEIGHT * EXACT_PREFERRED, abs=TIE_SPAN)
        and without[kok] < with_heads[kok]
    )
    assert with_heads[el] == without[el] < with_heads[kok]


def test_above_the_gate_a_head_only_breaks_a_near_tie(
    taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kok`` also a synonym of Elektriker: by its best text "Hotelkok" scores both alike; the head picks Kok."""
    linker, kok, el = _kok_also_names_elektriker(taxonomy, "max")
    monkeypatch.setattr(compounds, "HEAD_GATE", -1.0)
    monkeypatch.setattr(compounds, "HEAD_TIE_MARGIN", -1.0)  # no tie-break: a tie
    tied = linker.score_matrix(["Hotelkok"])[0]
    assert tied[kok] == tied[el] == tied.max()
    monkeypatch.setattr(compounds, "HEAD_TIE_MARGIN", 0.01)
    broken = linker.score_matrix(["Hotelkok"])[0]
    assert broken[kok] == pytest.approx(tied.max() + TIE_SPAN) and broken[el] == tied[el]
    assert int(np.argmax(broken)) == kok
    assert linker.link(["Hotelkok"], k=1)["matched_label"][0] == "Kok"  # the head is the label shown


def test_a_head_never_overrules_a_clearly_better_match_of_the_whole_title(
    taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The head's occupation is lifted only when the title already scores it within HEAD_MARGIN of its best."""
    linker = TitleLinker(taxonomy, None, lexical_weight=1.0, aggregate="lse", index_skills=False).fit()
    kok = linker.occupation_ids.index("dk.o.kok")
    monkeypatch.setattr(compounds, "HEAD_GATE", -1.0)
    plain = linker.score_matrix(["Butikskok"])[0]
    gap = float(plain.max() - plain[kok])
    assert gap > 0.05  # a real contest: Butikschef matches the whole title's characters better
    monkeypatch.setattr(compounds, "HEAD_GATE", 0.8)
    monkeypatch.setattr(compounds, "HEAD_MARGIN", gap - 1e-3)  # just too far behind: no lift
    assert linker.score_matrix(["Butikskok"])[0][kok] == plain[kok]
    monkeypatch.setattr(compounds, "HEAD_MARGIN", gap + 1e-3)  # close enough: the head wins
    lifted = linker.score_matrix(["Butikskok"])[0]
    assert lifted[kok] == pytest.approx(HEAD_WEIGHT, abs=TIE_SPAN) and int(np.argmax(lifted)) == kok
