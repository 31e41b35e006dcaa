"""Title-linking benchmark: Danish ESCO alternative labels as queries, their occupation as the answer.

Built from ``esco-da-labels/occupation_labels_da.csv`` (ESCO v1.0.8 Danish labels; ``labelIndex`` 0 is the
preferred label) against the ESCO v1.1.1 occupations (``load_esco(esco-v1.1.1, labels_da)``):

- every ESCO occupation with at least two Danish labels gives ONE query: its non-preferred Danish label
  with the lowest ``labelIndex`` whose normalised text differs from the preferred label's;
- the query label is removed from its occupation's index texts (from the synonyms, and the English label
  if it is the same text; labels that differ only in case, punctuation or a parenthesis go too), so a method
  must find the occupation through its *other* labels. All ESCO occupations stay in the index. The linkers
  also index the product's usage labels (the built-in catalogue's Danish titles, :mod:`matching.linking.usage`)
  with each query label removed from its own occupation's likewise; the TF-IDF baseline indexes the
  taxonomy's labels only;
- the queries' occupations are split once by a seeded permutation into dev (20 %: only for choosing weights,
  pooling and the default) and test (80 %: every reported number).

No query label is used for fitting: IDF, the char-LSA and the index see the stripped taxonomy; the trained
label encoder learns from what the product's learns from (:func:`matching.linking.factory.training_groups`):
the stripped taxonomy's Danish and English labels and the built-in catalogue, with any text equal to a query
label removed.

Metrics are pure functions of (score matrix, target column): MRR, success@1, success@10 with percentile
bootstrap 95 % CIs over test queries (ties count against a method), and the paired bootstrap CI of each
method's MRR difference to the baseline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import polars as pl

from core.reporting import write_results
from core.stats import mean_ci, paired_difference_ci
from data import columns as C
from data.taxonomy import Taxonomy
from embeddings.base import Encoder, Kind
from matching.linking import (
    LabelGroup,
    TitleLinker,
    label_variants,
    normalise_text,
    taxonomy_texts,
    train_label_encoder,
)
from matching.linking.factory import training_groups as product_training_groups
from matching.linking.usage import CatalogueUsage, catalogue_usage

# ../shared/data beside the repository (the default of `jobmatch evaluate linking`)
DEFAULT_SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LABELS_FILE = Path("esco-da-labels") / "occupation_labels_da.csv"
ESCO_DIR = Path("esco-v1.1.1")
METRICS = ("mrr", "success@1", "success@10")
DEV_FRACTION = 0.2
N_BOOT = 2000
BASELINE = "baseline_tfidf_concat"
FUSION_WEIGHTS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
POOLING: tuple[dict[str, Any], ...] = (
    {"aggregate": "max"},
    *({"aggregate": "lse", "temperature": t} for t in (0.03, 0.05, 0.1)),
)


# --- the benchmark data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkingBenchmark:
    """Queries (``query, occupation_id, label_index, split``), the stripped taxonomy and bookkeeping."""

    queries: pl.DataFrame
    taxonomy: Taxonomy
    danish_labels: dict[str, set[str]]  # occupation URI -> its Danish labels (all indexes)
    n_multi_label: int  # ESCO occupations with >= 2 Danish labels
    excluded: dict[str, int] = field(default_factory=dict)
    usage: CatalogueUsage = field(default_factory=CatalogueUsage)  # the product's, queries stripped

    def split(self, name: str) -> pl.DataFrame:
        return self.queries.filter(pl.col("split") == name)


def _norm_variants(label: str) -> set[str]:
    """What the linker would index for a label: its normalised text, with and without a parenthesis."""
    return {n for v in label_variants(label) if (n := normalise_text(v))}


def read_danish_labels(path: Path) -> pl.DataFrame:
    """Occupation rows of the Danish labels file, ``labelIndex`` as an integer, sorted."""
    return (
        pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        .filter(pl.col("conceptUri").str.contains("/occupation/"))
        .with_columns(pl.col("labelIndex").cast(pl.Int32, strict=False), pl.col("label").str.strip_chars())
        .filter(pl.col("label").str.len_chars() > 0)
        .sort("conceptUri", "labelIndex")
    )


def choose_queries(
    labels: pl.DataFrame, occupation_ids: set[str]
) -> tuple[pl.DataFrame, int, dict[str, int]]:
    """One query per ESCO occupation with >= 2 Danish labels: lowest labelIndex >= 1 unlike the preferred."""
    known = pl.col("conceptUri").is_in(sorted(occupation_ids))
    missing = labels.filter(~known)["conceptUri"].n_unique()
    rows, n_multi, no_distinct = [], 0, 0
    for (uri,), group in labels.filter(known).group_by("conceptUri", maintain_order=True):
        if group.height < 2:
            continue
        n_multi += 1
        preferred = set().union(
            *(_norm_variants(p) for p in group.filter(pl.col("labelIndex") == 0)["label"])
        )
        for label, index in group.filter(pl.col("labelIndex") >= 1).select("label", "labelIndex").iter_rows():
            if normalise_text(label) and not _norm_variants(label) & preferred:
                rows.append({"query": label, C.OCCUPATION_ID: uri, "label_index": index})
                break
        else:
            no_distinct += 1
    queries = pl.DataFrame(
        rows, schema={"query": pl.String, C.OCCUPATION_ID: pl.String, "label_index": pl.Int32}
    )
    return queries, n_multi, {"not_in_esco_v1.1.1": missing, "no_label_distinct_from_preferred": no_distinct}


def strip_queries(taxonomy: Taxonomy, queries: pl.DataFrame) -> Taxonomy:
    """The taxonomy with each query label removed from its own occupation's synonyms and English label."""
    query_of = dict(zip(queries[C.OCCUPATION_ID].to_list(), queries["query"].to_list(), strict=True))
    rows = []
    for row in taxonomy.occupations.iter_rows(named=True):
        q = query_of.get(row[C.OCCUPATION_ID])
        if q is not None:
            nq = normalise_text(q)
            row[C.SYNONYMS] = [s for s in row[C.SYNONYMS] or [] if nq not in _norm_variants(s)]
            if row[C.LABEL_EN] and nq in _norm_variants(row[C.LABEL_EN]):
                row[C.LABEL_EN] = None
            if row[C.LABEL_DA] and nq in _norm_variants(row[C.LABEL_DA]):
                raise AssertionError(f"query {q!r} is the preferred label of {row[C.OCCUPATION_ID]}")
        rows.append(row)
    occupations = pl.DataFrame(rows, schema=taxonomy.occupations.schema)
    return Taxonomy.build(
        taxonomy.name, occupations, taxonomy.skills, taxonomy.occupation_skills, version=taxonomy.version
    )


def strip_usage(usage: CatalogueUsage, queries: pl.DataFrame) -> CatalogueUsage:
    """Usage labels (:mod:`matching.linking.usage`) less each query label on its own occupation, as
    :func:`strip_queries` does for the taxonomy's labels (elsewhere it stays, as in the product)."""
    query_of = dict(zip(queries[C.OCCUPATION_ID].to_list(), queries["query"].to_list(), strict=True))

    def strip(per_occupation: dict[str, list[str]]) -> dict[str, list[str]]:
        out = {}
        for occ, titles in per_occupation.items():
            q = query_of.get(occ)
            nq = normalise_text(q) if q is not None else None
            out[occ] = [t for t in titles if nq is None or nq not in _norm_variants(t)]
        return out

    return CatalogueUsage(strip(usage.titles), strip(usage.synonyms))


def build_benchmark(
    shared_data: Path, *, seed: int = 0, dev_fraction: float = DEV_FRACTION, taxonomy: Taxonomy | None = None
) -> LinkingBenchmark:
    """Queries from the Danish labels file, the stripped ESCO taxonomy and a seeded dev/test split."""
    from data.esco import load_esco

    labels_path = Path(shared_data) / LABELS_FILE
    if taxonomy is None:
        taxonomy = load_esco(Path(shared_data) / ESCO_DIR, labels_path)
    labels = read_danish_labels(labels_path)
    queries, n_multi, excluded = choose_queries(labels, set(taxonomy.occupation_ids))
    order = np.random.default_rng(seed).permutation(queries.height)
    is_dev = np.zeros(queries.height, dtype=bool)
    is_dev[order[: round(dev_fraction * queries.height)]] = True
    queries = queries.with_columns(pl.Series("split", np.where(is_dev, "dev", "test")))
    danish: dict[str, set[str]] = {}
    for uri, label in labels.select("conceptUri", "label").iter_rows():
        danish.setdefault(uri, set()).add(label)
    usage = strip_usage(catalogue_usage(taxonomy), queries)
    return LinkingBenchmark(queries, strip_queries(taxonomy, queries), danish, n_multi, excluded, usage)


def training_groups(bench: LinkingBenchmark) -> list[LabelGroup]:
    """Material for the trained label encoder: the product's (:func:`matching.linking.factory.training_groups`
    of the stripped taxonomy: its Danish and English labels, and the built-in catalogue's pairs) with every
    text equal to a query label removed. An occupation's *other* Danish labels stay, as in the product."""
    banned = {normalise_text(q) for q in bench.queries["query"]}

    def keep(texts: Sequence[str]) -> list[str]:
        return [t for t in texts if t and not _norm_variants(t) & banned]

    return [(keep(primary), keep(other)) for primary, other in product_training_groups(bench.taxonomy)]


# --- metrics (pure functions) ----------------------------------------------------------------------------


def target_ranks(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """1-based rank of each row's target column; ties with other columns count against it."""
    target_score = scores[np.arange(len(targets)), targets][:, None]
    ranks: np.ndarray = (scores >= target_score).sum(axis=1).astype(np.int64)
    return ranks


def per_query_metrics(ranks: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "mrr": 1.0 / ranks,
        "success@1": (ranks <= 1).astype(np.float64),
        "success@10": (ranks <= 10).astype(np.float64),
    }


def bootstrap_ci(
    values: np.ndarray, *, n_boot: int = N_BOOT, seed: int = 0, alpha: float = 0.05
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean over queries (the shared engine in ``core.stats``)."""
    return mean_ci(values, n_boot=n_boot, seed=seed, alpha=alpha)


def summarise(ranks: np.ndarray, *, seed: int = 0) -> dict[str, dict[str, Any]]:
    out = {}
    for name, values in per_query_metrics(ranks).items():
        lo, hi = bootstrap_ci(values, seed=seed)
        out[name] = {"value": float(values.mean()), "ci": [lo, hi]}
    return out


def paired_difference(ranks_a: np.ndarray, ranks_b: np.ndarray, *, seed: int = 0) -> dict[str, Any]:
    """MRR(a) - MRR(b) on the same queries, with a paired bootstrap 95 % CI."""
    diff = 1.0 / ranks_a - 1.0 / ranks_b
    lo, hi = paired_difference_ci(1.0 / ranks_a, 1.0 / ranks_b, n_boot=N_BOOT, seed=seed)
    return {"value": float(diff.mean()), "ci": [lo, hi]}


def mean_reciprocal_rank(ranks: np.ndarray) -> float:
    return float((1.0 / ranks).mean())


# --- methods ----------------------------------------------------------------------------------------------


class Scorer(Protocol):
    def score_matrix(self, titles: Sequence[str]) -> np.ndarray: ...


class CachedEncoder(Encoder):
    """Memoises another encoder's vectors per (kind, text), so weight sweeps encode each text once."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.dim = inner.dim
        self.model_id = inner.model_id
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    def _encode(self, texts: list[str], *, kind: Kind, batch_size: int, progress: bool) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if (kind, t) not in self._cache))
        if todo:
            vectors = self.inner.encode(todo, kind=kind, batch_size=batch_size, progress=progress)
            self._cache.update({(kind, t): v for t, v in zip(todo, vectors, strict=True)})
        return np.stack([self._cache[(kind, t)] for t in texts])

    def forget(self, kind: Kind) -> None:
        """Drop the cached vectors of one kind (so a timed run pays for encoding its queries)."""
        self._cache = {key: v for key, v in self._cache.items() if key[0] != kind}


class TfidfConcatBaseline:
    """Baseline: sklearn char_wb (2, 4) TF-IDF over each occupation's concatenated label texts, cosine."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    def fit(self) -> TfidfConcatBaseline:
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [
            " ; ".join(x for x in [da, *(syn or []), en] if x)
            for da, syn, en in self.taxonomy.occupations.select(
                C.LABEL_DA, C.SYNONYMS, C.LABEL_EN
            ).iter_rows()
        ]
        self.vectoriser_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.matrix_ = self.vectoriser_.fit_transform(docs)
        return self

    def score_matrix(self, titles: Sequence[str]) -> np.ndarray:
        q = self.vectoriser_.transform(list(titles))
        return np.asarray((q @ self.matrix_.T).toarray(), dtype=np.float32)


@dataclass
class MethodResult:
    name: str
    description: str
    ranks: np.ndarray
    fit_s: float
    link_s: float
    params: dict[str, Any] = field(default_factory=dict)
    dev_mrr: float | None = None
    model: Scorer | None = None


class _Run:
    """Shared state of one benchmark run: the test/dev targets and the results so far."""

    def __init__(self, bench: LinkingBenchmark) -> None:
        self.bench = bench
        self.col = {o: i for i, o in enumerate(bench.taxonomy.occupation_ids)}
        self.dev, self.test = bench.split("dev"), bench.split("test")
        self.results: list[MethodResult] = []

    def ranks(self, model: Scorer, queries: pl.DataFrame) -> np.ndarray:
        scores = model.score_matrix(queries["query"].to_list())
        targets = np.asarray([self.col[o] for o in queries[C.OCCUPATION_ID].to_list()])
        return target_ranks(scores, targets)

    def evaluate(
        self, name: str, desc: str, model: Scorer, fit_s: float, dev_mrr: float | None = None, **params: Any
    ) -> MethodResult:
        encoder = getattr(model, "encoder", None)
        if isinstance(encoder, CachedEncoder):
            encoder.forget("query")  # time the query encoding too
        t0 = time.perf_counter()
        ranks = self.ranks(model, self.test)
        res = MethodResult(name, desc, ranks, fit_s, time.perf_counter() - t0, params, dev_mrr, model)
        self.results.append(res)
        return res

    def tune(self, linker: TitleLinker, grid: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], float]:
        """Set the grid point with the best dev MRR on ``linker`` (ties: the first) and return it."""
        best: tuple[dict[str, Any], float] = ({}, -1.0)
        for point in grid:
            for key, value in point.items():
                setattr(linker, key, value)
            score = mean_reciprocal_rank(self.ranks(linker, self.dev))
            if score > best[1] + 1e-12:
                best = (dict(point), score)
        for key, value in best[0].items():
            setattr(linker, key, value)
        return best

    def tuned(
        self, name: str, desc: str, linker: TitleLinker, fit_s: float, grid: Sequence[dict[str, Any]]
    ) -> None:
        point, dev_mrr = self.tune(linker, grid)
        self.evaluate(name, desc, linker, fit_s, dev_mrr, **point)


def _grid(weights: Sequence[float], pooling: Sequence[dict[str, Any]] = POOLING) -> list[dict[str, Any]]:
    return [{"lexical_weight": w, **p} for w in weights for p in pooling]


def _timed(make: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    model = make()
    return model, time.perf_counter() - t0


# --- the run ------------------------------------------------------------------------------------------


def run_linking_benchmark(
    shared_data: Path, out_dir: Path, seed: int = 0, *, include_minilm: bool = True, progress: bool = True
) -> dict[str, Any]:
    """Run every method, tune on dev, report on test; write ``linking.json``, ``linking.md``, ``linking.png``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from embeddings.lexical import CharNgramEncoder

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bench = build_benchmark(Path(shared_data), seed=seed)
    tax, usage = bench.taxonomy, bench.usage
    run = _Run(bench)
    reset = {"aggregate": "max", "lexical_weight": 0.0}
    stages = 7 + (2 if include_minilm else 0)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, TimeElapsedColumn(), disable=not progress) as bar:
        task = bar.add_task("linking benchmark", total=stages)

        def stage(desc: str) -> None:
            bar.update(task, description=f"linking: {desc}")

        stage("baseline TF-IDF over concatenated labels")
        base, fit_s = _timed(lambda: TfidfConcatBaseline(tax).fit())
        run.evaluate(
            BASELINE,
            "sklearn TfidfVectorizer char_wb (2,4), sublinear tf; one document per occupation",
            base,
            fit_s,
        )
        bar.advance(task)

        stage("TitleLinker lexical")
        lex, fit_s = _timed(
            lambda: TitleLinker(tax, None, lexical_weight=1.0, usage=usage, index_skills=False).fit()
        )
        run.evaluate(
            "lexical_max",
            "TitleLinker lexical only (hashed char (2,4) TF-IDF), max over label texts",
            lex,
            fit_s,
        )
        run.tuned("lexical_pooled", "TitleLinker lexical only, pooling over label texts tuned on dev", lex, fit_s,
                  _grid([1.0]))  # fmt: skip
        bar.advance(task)

        stage("char-LSA (fitted on the stripped taxonomy's labels)")
        char = CachedEncoder(CharNgramEncoder())

        def fit_char() -> TitleLinker:
            inner = char.inner
            assert isinstance(inner, CharNgramEncoder)
            inner.fit(taxonomy_texts(tax, skills=True), seed=seed)  # the stripped taxonomy's labels
            char.model_id = inner.model_id
            return TitleLinker(tax, char, lexical_weight=0.0, usage=usage, index_skills=False).fit()

        char_linker, char_fit_s = _timed(fit_char)
        run.evaluate(
            "char_lsa",
            "CharNgramEncoder (256-d LSA of occupation+skill labels) only, max",
            char_linker,
            char_fit_s,
        )
        bar.advance(task)

        stage("fusion lexical + char-LSA")
        run.tuned("fusion_char", "lexical + char-LSA; weight and pooling tuned on dev", char_linker, char_fit_s,
                  _grid(FUSION_WEIGHTS))  # fmt: skip
        for k, v in {**reset, "lexical_weight": 0.5}.items():
            setattr(char_linker, k, v)
        run.evaluate("fusion_char_w0.5", "lexical + char-LSA, fixed weight 0.5, max", char_linker, char_fit_s,
                     lexical_weight=0.5)  # fmt: skip
        bar.advance(task)

        if include_minilm:
            from embeddings.sentence import bundled_minilm

            stage("MiniLM: encoding the label index")
            mini = CachedEncoder(bundled_minilm())
            mini_linker, mini_fit_s = _timed(
                lambda: TitleLinker(tax, mini, lexical_weight=0.0, usage=usage, index_skills=False).fit()
            )
            run.evaluate("minilm", "all-MiniLM-L6-v2 (English model) only, max", mini_linker, mini_fit_s)
            bar.advance(task)
            stage("fusion lexical + MiniLM")
            run.tuned("fusion_minilm", "lexical + MiniLM; weight and pooling tuned on dev", mini_linker, mini_fit_s,
                      _grid(FUSION_WEIGHTS))  # fmt: skip
            for k, v in {**reset, "lexical_weight": 0.5}.items():
                setattr(mini_linker, k, v)
            run.evaluate("fusion_minilm_w0.5", "lexical + MiniLM, fixed weight 0.5, max", mini_linker, mini_fit_s,
                         lexical_weight=0.5)  # fmt: skip
            bar.advance(task)

        stage("training the label encoder (the product's material less every query text)")
        groups = training_groups(bench)

        def fit_trained() -> TitleLinker:
            encoder = train_label_encoder(groups, seed=seed)
            return TitleLinker(tax, encoder, lexical_weight=0.0, usage=usage, index_skills=False).fit()

        trained, trained_fit_s = _timed(fit_trained)
        run.evaluate(
            "trained", "project-trained cross-lingual char n-gram encoder only, max", trained, trained_fit_s
        )
        bar.advance(task)

        stage("trained encoder: pooling and fusion")
        run.tuned(
            "trained_pooled",
            "trained encoder only; pooling tuned on dev",
            trained,
            trained_fit_s,
            _grid([0.0]),
        )
        pooled = run.results[-1]
        plain = TitleLinker(tax, trained.encoder, index_skills=False, **pooled.params).fit()
        plain_dev = mean_reciprocal_rank(run.ranks(plain, run.dev))
        run.evaluate(
            "trained_pooled_without_usage",
            "trained_pooled without the built-in catalogue's Danish titles (usage labels); a reference, not a "
            f"candidate for the default (dev MRR {plain_dev:.3f})",
            plain,
            trained_fit_s,
            **pooled.params,
        )
        run.tuned("trained_fusion", "lexical + trained encoder; weight and pooling tuned on dev",
                  trained, trained_fit_s, _grid(FUSION_WEIGHTS))  # fmt: skip
        bar.advance(task)

        stage("throughput of the chosen default")
        tuned = [r for r in run.results if r.dev_mrr is not None]
        chosen = max(tuned, key=lambda r: r.dev_mrr or 0.0)
        throughput = _throughput(chosen, run.test["query"].to_list())
        bar.advance(task)

    report = _report(bench, run.results, chosen.name, throughput, seed)
    _write(report, out_dir)
    return report


def _throughput(chosen: MethodResult, titles: list[str]) -> dict[str, Any]:
    """Wall time of ``link(1,000 titles, k=10)`` for the chosen method (index already built)."""
    linker = chosen.model
    if not isinstance(linker, TitleLinker):
        return {}
    for key, value in chosen.params.items():
        setattr(linker, key, value)
    sample = (titles * (1000 // max(1, len(titles)) + 1))[:1000]
    t0 = time.perf_counter()
    frame = linker.link(sample, k=10)
    elapsed = time.perf_counter() - t0
    return {
        "method": chosen.name,
        "titles": len(sample),
        "k": 10,
        "rows": frame.height,
        "seconds": round(elapsed, 3),
    }


def _report(
    bench: LinkingBenchmark, results: list[MethodResult], chosen: str, throughput: dict[str, Any], seed: int
) -> dict[str, Any]:
    from core.machine import machine_info

    base = next(r for r in results if r.name == BASELINE)
    methods: dict[str, Any] = {}
    for r in results:
        entry: dict[str, Any] = summarise(r.ranks, seed=seed)
        entry.update(
            description=r.description,
            params=r.params,
            dev_mrr=None if r.dev_mrr is None else round(r.dev_mrr, 4),
            fit_s=round(r.fit_s, 2),
            link_s=round(r.link_s, 2),
            queries_per_s=round(len(r.ranks) / r.link_s, 1) if r.link_s > 0 else None,
            mrr_minus_baseline=paired_difference(r.ranks, base.ranks, seed=seed),
        )
        methods[r.name] = entry
    index_texts: dict[str, set[str]] = {}
    occ = bench.taxonomy.occupations.select(C.OCCUPATION_ID, C.LABEL_DA, C.LABEL_EN, C.SYNONYMS)
    for uri, da, en, syns in occ.iter_rows():
        for label in (da, en, *(syns or [])):
            for n in _norm_variants(label) if label else ():
                index_texts.setdefault(n, set()).add(uri)
    shared = sum(
        1 for q, uri in bench.queries.select("query", C.OCCUPATION_ID).iter_rows()
        if index_texts.get(normalise_text(q), set()) - {uri}
    )  # fmt: skip
    return {
        "benchmark": "linking",
        "n_queries": int(bench.split("test").height),
        "n_dev_queries": int(bench.split("dev").height),
        "n_occupations": int(bench.taxonomy.occupations.height),
        "n_occupations_with_2plus_danish_labels": bench.n_multi_label,
        "queries_that_are_a_label_of_another_occupation": shared,
        "excluded": bench.excluded,
        "seed": seed,
        "dev_fraction": DEV_FRACTION,
        "bootstrap": {"n": N_BOOT, "level": 0.95, "ties": "pessimistic"},
        "chosen_by_dev_mrr": chosen,
        "throughput_link_1000": throughput,
        "methods": methods,
        "machine": machine_info(),
    }


def to_markdown(report: dict[str, Any]) -> str:
    def cell(m: dict[str, Any]) -> str:
        return f"{m['value']:.3f} [{m['ci'][0]:.3f}, {m['ci'][1]:.3f}]"

    lines = [
        "# Title linking: Danish ESCO alternative labels -> occupation",
        "",
        f"{report['n_queries']:,} test queries ({report['n_dev_queries']:,} more, on other occupations, were the "
        f"dev split used for every choice of weight and pooling) against {report['n_occupations']:,} ESCO "
        "v1.1.1 occupations; each query label is removed from its own occupation's index texts. 95 % "
        "percentile bootstrap CIs over test queries; ΔMRR is paired against the baseline; ties count against "
        "a method.",
        "",
        "| method | MRR | success@1 | success@10 | ΔMRR vs baseline | dev MRR | params | fit s | queries/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in report["methods"].items():
        params = ", ".join(f"{k}={v}" for k, v in m["params"].items()) or "-"
        dev = f"{m['dev_mrr']:.3f}" if m["dev_mrr"] is not None else "-"
        qps = f"{m['queries_per_s']:,.0f}" if m["queries_per_s"] else "-"
        bold = "**" if name == report["chosen_by_dev_mrr"] else ""
        lines.append(
            f"| {bold}{name}{bold} | {cell(m['mrr'])} | {cell(m['success@1'])} | {cell(m['success@10'])} | "
            f"{cell(m['mrr_minus_baseline'])} | {dev} | {params} | {m['fit_s']:.1f} | {qps} |"
        )
    tp = report.get("throughput_link_1000") or {}
    lines += [
        "",
        "fit s: building the label index (about 42,500 label texts), including fitting the char-LSA, training "
        "the label encoder or encoding the texts with MiniLM; queries/s: scoring the test queries against every "
        "occupation, query encoding included. Both on the machine below, which other jobs shared during the run.",
        "",
        f"Chosen by dev MRR: **{report['chosen_by_dev_mrr']}**.",
    ]
    if tp:
        lines.append(f"`link()` of {tp['titles']:,} titles (k={tp['k']}) with it: {tp['seconds']:.2f} s.")
    lines += ["", "Methods:", ""] + [
        f"- `{name}`: {m['description']}" for name, m in report["methods"].items()
    ]
    if "n_occupations_with_2plus_danish_labels" in report:
        lines += [
            "",
            f"Queries: one per ESCO occupation with two or more Danish labels "
            f"({report['n_occupations_with_2plus_danish_labels']:,}; excluded: {report.get('excluded')}); "
            f"{report.get('queries_that_are_a_label_of_another_occupation', 0):,} query labels are also a label "
            "of another occupation (they tie with it at best). The trained encoder learns from the product's "
            "material (the stripped taxonomy's Danish and English labels, the built-in catalogue), without any "
            "text equal to a query. The linkers also index, as the product does, the built-in catalogue's Danish "
            "titles for the ESCO occupations its concordance names (usage labels: they decide exact matches and "
            "add nothing to similarity), each query removed from its own occupation's; the baseline indexes the "
            "taxonomy's labels only (`trained_pooled_without_usage`: the same linker without them).",
        ]
    if "machine" in report:
        mach = report["machine"]
        lines += ["", f"Machine: {mach.get('cpus')} CPUs, Python {mach.get('python')}, {mach.get('when')}."]
    return "\n".join(lines) + "\n"


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["methods"])
    x = np.arange(len(names))
    width = 0.27
    fig, ax = plt.subplots(figsize=(max(8.0, 1.0 * len(names)), 4.8))
    for i, metric in enumerate(METRICS):
        vals = np.array([report["methods"][n][metric]["value"] for n in names])
        ci = np.array([report["methods"][n][metric]["ci"] for n in names])
        err = np.vstack([vals - ci[:, 0], ci[:, 1] - vals])
        ax.bar(x + (i - 1) * width, vals, width, yerr=err, capsize=2, label=metric)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("test score (95 % bootstrap CI)")
    ax.set_title(
        f"Title linking: {report['n_queries']:,} Danish ESCO labels, {report['n_occupations']:,} occupations"
    )
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _write(report: dict[str, Any], out_dir: Path) -> None:
    write_results(
        report, out_dir, "linking", md=to_markdown(report), figures={"png": lambda p: _plot(report, p)}
    )


def run_linking_extras(
    shared_data: Path, out_dir: Path, seed: int = 0, *, model_dir: Path | None = None
) -> dict[str, Any]:
    """The issue-18 reports beside ``linking.md``: Danish failure classes before/after (``classes.*``),
    skills in Danish (``skills.*``) and link throughput (``throughput.json``)."""
    from evaluation.linking_classes import run_linking_classes
    from evaluation.linking_skills import run_skill_report
    from evaluation.linking_speed import run_linking_speed

    return {
        "classes": run_linking_classes(Path(shared_data), Path(out_dir), seed),
        "skills": run_skill_report(Path(shared_data), Path(out_dir)),
        "throughput": run_linking_speed(Path(shared_data), Path(out_dir), model_dir),
    }
