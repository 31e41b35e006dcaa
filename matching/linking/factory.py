"""``make_linker``: a fitted linker by method name; the trained encoder is cached per taxonomy.

The cache is an artefact (:mod:`core.artefacts`) under ``model_dir/label-encoder/<taxonomy>``: a versioned
folder with the encoder's ``.npz`` and a manifest naming the taxonomy fingerprint and the training recipe,
so a changed taxonomy or recipe retrains instead of loading a stale encoder.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from core import artefacts
from core.errors import ArtefactError
from data import columns as C
from data.taxonomy import Taxonomy, load_builtin
from embeddings.lexical import CharNgramEncoder
from matching.linking import encoder as label_encoder
from matching.linking.linker import Aggregate, TitleLinker
from matching.linking.usage import catalogue_usage

log = logging.getLogger(__name__)

LinkerMethod = Literal["trained", "lexical", "char", "minilm"]
# The default chosen on the benchmark's dev split (evaluation/linking.py; results in evaluation/results/linking).
DEFAULT_LEXICAL_WEIGHT = 0.0
DEFAULT_AGGREGATE: Aggregate = "lse"
DEFAULT_TEMPERATURE = 0.05
ENCODER_KIND = "label-encoder"  # the cache folder under the models folder, one version folder per taxonomy
# Bump when the training material or settings change: cached encoders of another recipe are retrained.
RECIPE = "groups+builtin-da-en/v3"  # v3: hard in-batch negatives
EPOCHS = 40


def taxonomy_fingerprint(taxonomy: Taxonomy) -> str:
    """Short hash of the taxonomy's occupation labels (keys cached trained encoders)."""
    h = hashlib.sha256(f"{taxonomy.name}|{taxonomy.version}".encode())
    for row in taxonomy.occupations.select(C.OCCUPATION_ID, C.LABEL_DA, C.LABEL_EN, C.SYNONYMS).iter_rows():
        h.update(repr(row).encode())
    return h.hexdigest()[:12]


def training_groups(taxonomy: Taxonomy) -> list[label_encoder.LabelGroup]:
    """The taxonomy's own label groups, plus the built-in catalogue's Danish-English pairs (unless it is it)."""
    groups = label_encoder.label_groups(taxonomy)
    if taxonomy.name != "builtin":
        groups += label_encoder.bilingual_groups(load_builtin())
    return groups


@contextmanager
def _epoch_bar(enabled: bool, epochs: int) -> Iterator[Callable[[int, float], None] | None]:
    """A rich progress bar over training epochs (a log line per epoch when disabled)."""
    if not enabled:
        yield lambda epoch, loss: log.debug("label encoder epoch %d loss %.3f", epoch, loss)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("training the label encoder (first run for this taxonomy)", total=epochs)

        def advance(epoch: int, loss: float) -> None:
            bar.update(task, completed=epoch + 1, description=f"training the label encoder: loss {loss:.3f}")

        yield advance


def trained_encoder(
    taxonomy: Taxonomy, model_dir: Path | None = None, *, progress: bool = False
) -> CharNgramEncoder:
    """The taxonomy's trained label encoder: loaded from ``model_dir`` if cached there, else trained (and saved)."""
    root = None if model_dir is None else Path(model_dir) / ENCODER_KIND / taxonomy.name
    meta = {"taxonomy": taxonomy.name, "fingerprint": taxonomy_fingerprint(taxonomy), "recipe": RECIPE}
    if root is not None and (root / artefacts.POINTER).exists():
        try:
            return CharNgramEncoder.load(root, hint="it is retrained", expect=meta)
        except (ArtefactError, ValueError) as exc:
            log.info("retraining the label encoder: %s", exc)
    with _epoch_bar(progress, EPOCHS) as report:
        encoder = label_encoder.train_label_encoder(training_groups(taxonomy), epochs=EPOCHS, progress=report)
    if root is not None:
        encoder.save(root, meta=meta)  # the char encoder's own artefact, with the linker's recipe beside it
    return encoder


def make_linker(
    taxonomy: Taxonomy,
    method: LinkerMethod = "trained",
    *,
    model_dir: Path | None = None,
    index_skills: bool = True,
    progress: bool = False,
) -> TitleLinker:
    """A fitted linker. ``trained`` (default) is the benchmark's winner: the cross-lingual label encoder
    trained on this taxonomy (cached in ``model_dir``), soft max over labels, Danish rewrites.
    ``lexical``: char TF-IDF only; ``char``: lexical + untrained char-LSA; ``minilm``: lexical + MiniLM.
    Every method indexes the built-in catalogue's Danish everyday titles for the taxonomy's occupations
    (:mod:`matching.linking.usage`).
    """
    usage = catalogue_usage(taxonomy)  # Danish everyday titles for ESCO occupations (none for the catalogue)
    if method == "lexical":
        return TitleLinker(taxonomy, None, lexical_weight=1.0, usage=usage, index_skills=index_skills).fit()
    if method == "char":
        return TitleLinker(
            taxonomy, CharNgramEncoder(), lexical_weight=0.7, usage=usage, index_skills=index_skills
        ).fit()
    if method == "minilm":
        from embeddings.sentence import bundled_minilm

        return TitleLinker(
            taxonomy,
            bundled_minilm(),
            lexical_weight=0.7,
            usage=usage,
            index_skills=index_skills,
            progress=progress,
        ).fit()
    if method != "trained":
        raise ValueError(f"unknown linker method {method!r}")
    return TitleLinker(
        taxonomy,
        trained_encoder(taxonomy, model_dir, progress=progress),
        lexical_weight=DEFAULT_LEXICAL_WEIGHT,
        aggregate=DEFAULT_AGGREGATE,
        temperature=DEFAULT_TEMPERATURE,
        usage=usage,
        index_skills=index_skills,
    ).fit()
