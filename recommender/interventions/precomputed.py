"""Programme recommendations for every citizen, computed in one batch per (data version, model version).

The live path (:func:`.service.recommend_programmes`) costs ~60 ms of GIL-held Python per citizen; under
load that made the programmes view the slowest click. The batch computes the same thing for all citizens
at once (one model prediction, one distance pass per chunk) and saves it on the artefact scheme
(``<models>/programme_table``, kind ``programme-table``, meta naming the data version and the intervention
model version). A view then reads its rows: :meth:`ProgrammeTable.get` returns the very
:class:`.service.ProgrammeRecommendation` the live path would, drivers included.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from core import artefacts, formats
from core.errors import ArtefactError, JobmatchError
from core.settings import Settings
from data import columns as C
from data.store import Store
from data.taxonomy import Taxonomy
from recommender.interventions.employers import (
    EMPLOYER_COLUMNS,
    matcher_finder,
    store_finder,
    suggest_employers,
)
from recommender.interventions.explain_da import Known
from recommender.interventions.features import seeker_features, taxonomy_of
from recommender.interventions.model import InterventionModel
from recommender.interventions.ranking import RANKING_SCHEMA, SUPPORTED
from recommender.interventions.service import ProgrammeRecommendation

ARTEFACT_DIR = "programme_table"  # under the models folder
ARTEFACT_KIND = "programme-table"
FORMAT_VERSION = formats.PROGRAMME_TABLE
RANKING_FILE, TEXTS_FILE = "ranking.parquet", "texts.parquet"
HINT = "recompute it with `jobmatch build`"
EMPLOYER_SCHEMA: dict[str, Any] = {C.EMPLOYER_ID: pl.String, "name": pl.String, "industry": pl.String,
                                   "vacancies": pl.Int64, "distance_km": pl.Float64, "reason_da": pl.String}  # fmt: skip
TEXTS_SCHEMA: dict[str, Any] = {C.SEEKER_ID: pl.String, "text_da": pl.String, "employers": pl.String,
                                "drivers": pl.String}  # fmt: skip
Drivers = dict[str, list[tuple[str, float]]]


def table_root(models_dir: str | Path) -> Path:
    return Path(models_dir) / ARTEFACT_DIR


@dataclass(frozen=True)
class ProgrammeRows:
    """Rows of the table: the long ranking frame and one text row per citizen (employers, drivers as JSON)."""

    ranking: pl.DataFrame  # RANKING_SCHEMA
    texts: pl.DataFrame  # TEXTS_SCHEMA

    def without(self, seeker_ids: Sequence[str]) -> ProgrammeRows:
        drop = pl.col(C.SEEKER_ID).is_in(list(seeker_ids))
        return ProgrammeRows(self.ranking.filter(~drop), self.texts.filter(~drop))

    def plus(self, other: ProgrammeRows) -> ProgrammeRows:
        return ProgrammeRows(pl.concat([self.ranking, other.ranking]), pl.concat([self.texts, other.texts]))


def compute_rows(
    model: InterventionModel,
    store: Store,
    seeker_ids: Sequence[str] | None = None,
    *,
    matcher: Any | None = None,
    taxonomy: Taxonomy | None = None,
    employers_per_programme: int = 3,
) -> ProgrammeRows:
    """What :func:`.service.recommend_programmes` gives each citizen (all, or ``seeker_ids``), in one batch."""
    seekers = store.query("SELECT * FROM seekers ORDER BY seeker_id")
    if seeker_ids is not None:
        seekers = seekers.filter(pl.col(C.SEEKER_ID).is_in(list(seeker_ids)))
    if seekers.height == 0:
        return ProgrammeRows(pl.DataFrame(schema=RANKING_SCHEMA), pl.DataFrame(schema=TEXTS_SCHEMA))
    features = seeker_features(seekers, taxonomy or taxonomy_of(store))
    ranking = model.rank(features)
    supported = _supported(ranking)
    treated = sorted({p for ps in supported.values() for p in ps if p != "none"})
    drivers = {p: dict(zip(_ids_with(supported, p), model.drivers_many(_rows(features, supported, p), p),
                           strict=True)) for p in treated}  # fmt: skip
    similar = dict(zip(features[C.SEEKER_ID].to_list(), model.similar_many(features, treated), strict=True))
    finder = matcher_finder(matcher) if matcher is not None else store_finder(store.table("vacancies"))
    employer_table = store.table("employers")
    per_seeker = ranking.partition_by(C.SEEKER_ID, as_dict=True, maintain_order=True)
    texts = []
    for i, seeker in enumerate(seekers.iter_rows(named=True)):
        sid = seeker[C.SEEKER_ID]
        own = supported[sid]
        found = suggest_employers(seeker, own, employer_table, finder, k=employers_per_programme)
        mine = {p: drivers[p][sid] for p in own if p != "none"}
        known = Known(drivers=mine, similar=similar[sid])
        text = model.explain(features[i], per_seeker[(sid,)], found, known=known)
        texts.append({C.SEEKER_ID: sid, "text_da": text, "drivers": json.dumps(mine),
                      "employers": json.dumps({p: f.to_dicts() for p, f in found.items()})})  # fmt: skip
    return ProgrammeRows(ranking, pl.DataFrame(texts, schema=TEXTS_SCHEMA))


def _supported(ranking: pl.DataFrame) -> dict[str, list[str]]:
    """Per citizen its supported programmes in ranking order ("none" included), as the live path lists them."""
    ok = ranking.filter(pl.col(SUPPORTED)).group_by(C.SEEKER_ID, maintain_order=True).agg(pl.col(C.PROGRAMME))
    out: dict[str, list[str]] = {sid: [] for sid in ranking[C.SEEKER_ID].unique().to_list()}
    out.update(dict(zip(ok[C.SEEKER_ID].to_list(), ok[C.PROGRAMME].to_list(), strict=True)))
    return out


def _ids_with(supported: dict[str, list[str]], programme: str) -> list[str]:
    return [sid for sid, ps in supported.items() if programme in ps]


def _rows(features: pl.DataFrame, supported: dict[str, list[str]], programme: str) -> pl.DataFrame:
    order = pl.DataFrame({C.SEEKER_ID: _ids_with(supported, programme)}, schema={C.SEEKER_ID: pl.String})
    return order.join(features, on=C.SEEKER_ID, how="left", maintain_order="left")


def save_table(models_dir: str | Path, rows: ProgrammeRows, meta: dict[str, Any]) -> Path:
    """A new live version of the table; ``meta`` names the data version and the model version."""

    def fill(folder: Path) -> dict[str, Any]:
        rows.ranking.sort(C.SEEKER_ID, maintain_order=True).write_parquet(folder / RANKING_FILE)
        rows.texts.sort(C.SEEKER_ID).write_parquet(folder / TEXTS_FILE)
        return {**meta, "citizens": rows.texts.height}

    return artefacts.save(
        table_root(models_dir), kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, fill=fill
    )


class ProgrammeTable:
    """The loaded table: per citizen, the recommendation and the drivers, by slicing (no model call)."""

    def __init__(self, rows: ProgrammeRows, meta: dict[str, Any]) -> None:
        self.rows, self.meta = rows, meta
        self.data_version = str(meta.get("data_version", ""))
        self.model_version = str(meta.get("model_version", ""))
        spans = rows.ranking.with_row_index("at").group_by(C.SEEKER_ID).agg(pl.col("at").min(), pl.len())
        self._ranking = {sid: (int(at), int(n)) for sid, at, n in spans.iter_rows()}
        self._texts = {sid: i for i, sid in enumerate(rows.texts[C.SEEKER_ID].to_list())}

    @classmethod
    def load(cls, models_dir: str | Path) -> ProgrammeTable:
        folder, manifest = artefacts.load(table_root(models_dir), kind=ARTEFACT_KIND,
                                          format_version=FORMAT_VERSION, hint=HINT)  # fmt: skip
        try:
            rows = ProgrammeRows(pl.read_parquet(folder / RANKING_FILE), pl.read_parquet(folder / TEXTS_FILE))
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise ArtefactError(f"programme table {folder} is unreadable ({exc})", hint=HINT) from exc
        return cls(rows, manifest.meta)

    def serves(self, model: InterventionModel | None, data_version: str) -> bool:
        """Whether these rows are what ``model`` computes on the world at ``data_version``."""
        return bool(model is not None and model.version_ and self.model_version == model.version_
                    and self.data_version == data_version)  # fmt: skip

    def get(self, seeker_id: str) -> ProgrammeRecommendation | None:
        """The citizen's recommendation as the live path builds it; None for a citizen not in the table."""
        span, i = self._ranking.get(seeker_id), self._texts.get(seeker_id)
        if span is None or i is None:
            return None
        text = self.rows.texts.row(i, named=True)
        employers = {p: pl.DataFrame(rows, schema=EMPLOYER_SCHEMA).select(EMPLOYER_COLUMNS)
                     for p, rows in json.loads(text["employers"]).items()}  # fmt: skip
        ranking = self.rows.ranking.slice(*span)
        return ProgrammeRecommendation(
            seeker_id, ranking, employers, text["text_da"], self.data_version_model
        )

    @property
    def data_version_model(self) -> str:
        """The data version the model was fitted on (``ProgrammeRecommendation.model_data_version``)."""
        return str(self.meta.get("model_data_version", ""))

    def drivers(self, seeker_id: str) -> Drivers | None:
        """Per supported programme (top 3, as ``InterventionModel.drivers``): (text, pp) pairs."""
        i = self._texts.get(seeker_id)
        if i is None:
            return None
        raw = json.loads(self.rows.texts.row(i, named=True)["drivers"])
        return {p: [(text, float(share)) for _, share, text in found] for p, found in raw.items()}


def build_table(models_dir: str | Path, model: InterventionModel, store: Store, *, matcher: Any | None = None
                ) -> Path:  # fmt: skip
    """Compute every citizen's rows and save them as the live table (``jobmatch build``'s step)."""
    return save_table(models_dir, compute_rows(model, store, matcher=matcher), table_meta(model, store))


def table_meta(model: InterventionModel, store: Store) -> dict[str, Any]:
    return {"data_version": store.data_version, "model_version": model.version_,
            "model_data_version": model.data_version_}  # fmt: skip


def extend_programme_table(settings: Settings, store: Store, seeker_ids: Sequence[str]) -> Path:
    """Add (or replace) the rows of ``seeker_ids`` in the live table without recomputing the others: what
    ``jobmatch refresh`` calls after an import. The table then names ``store``'s data version."""
    model = InterventionModel.load(settings.models_dir)
    table = ProgrammeTable.load(settings.models_dir)
    if table.model_version != model.version_:
        raise ArtefactError(
            f"the programme table is for intervention model {table.model_version}, not {model.version_}",
            hint=HINT,
        )
    fresh = compute_rows(model, store, seeker_ids, matcher=_matcher(settings, store) if seeker_ids else None)
    rows = table.rows.without(seeker_ids).plus(fresh)
    return save_table(settings.models_dir, rows, table_meta(model, store))


def _matcher(settings: Settings, store: Store) -> Any | None:
    """The matcher the workspace would serve employers from; None (store fallback) without current indexes."""
    from matching.retrieval import Matcher

    try:
        return Matcher.open(settings, store)
    except JobmatchError:
        return None


def ensure_programme_table(settings: Settings, model: InterventionModel, store: Store) -> str:
    """Compute the table unless the live one already serves ``model`` on ``store``'s data; what happened."""
    try:
        if ProgrammeTable.load(settings.models_dir).serves(model, store.data_version):
            return "up to date"
    except ArtefactError:
        pass
    folder = build_table(settings.models_dir, model, store, matcher=_matcher(settings, store))
    return f"computed (version {folder.name})"
