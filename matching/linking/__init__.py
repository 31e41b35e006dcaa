"""Link free-text job titles to taxonomy occupations, and find taxonomy skills mentioned in free text.

Modules: :mod:`~matching.linking.text` (normalisation), :mod:`~matching.linking.danish` (title rewrites),
:mod:`~matching.linking.heads` (compound head words), :mod:`~matching.linking.labels` (the label index),
:mod:`~matching.linking.linker` (``TitleLinker``), :mod:`~matching.linking.encoder` (the trained
cross-lingual encoder), :mod:`~matching.linking.factory` (``make_linker`` and its cache),
:mod:`~matching.linking.skill_labels` (Danish labels for ESCO skills), :mod:`~matching.linking.files`.
"""

from matching.linking.danish import title_variants
from matching.linking.encoder import LabelGroup, bilingual_groups, label_groups, train_label_encoder
from matching.linking.factory import (
    DEFAULT_AGGREGATE,
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_TEMPERATURE,
    LinkerMethod,
    make_linker,
    taxonomy_fingerprint,
    trained_encoder,
)
from matching.linking.files import LinkFormat, read_titles, write_links
from matching.linking.labels import FIELDS, LabelIndex, build_label_index, concept_texts, taxonomy_texts
from matching.linking.linker import (
    END,
    LABEL,
    LINK_SCHEMA,
    MATCHED_LABEL,
    QUERY,
    RANK,
    SCORE,
    SKILL_LINK_SCHEMA,
    SPAN,
    START,
    Aggregate,
    TitleLinker,
)
from matching.linking.text import STOPWORDS, candidate_windows, label_variants, normalise_text

__all__ = [
    "DEFAULT_AGGREGATE", "DEFAULT_LEXICAL_WEIGHT", "DEFAULT_TEMPERATURE", "END", "FIELDS", "LABEL",
    "LINK_SCHEMA", "MATCHED_LABEL", "QUERY", "RANK", "SCORE", "SKILL_LINK_SCHEMA", "SPAN", "START", "STOPWORDS",
    "Aggregate", "LabelGroup", "LabelIndex", "LinkFormat", "LinkerMethod", "TitleLinker", "bilingual_groups",
    "build_label_index", "candidate_windows", "concept_texts", "label_groups", "label_variants",
    "make_linker", "normalise_text", "read_titles", "taxonomy_fingerprint", "taxonomy_texts",
    "title_variants", "train_label_encoder", "trained_encoder", "write_links",
]  # fmt: skip
