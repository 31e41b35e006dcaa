"""Where this installation's own evaluation and fairness report lives, written by the scheduled
`jobmatch report` and read by the analyst's page: one artefact (versioned folder, atomic ``CURRENT``
pointer, checked manifest) under ``<home>/reports/installation``, so a half-written run is never shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core import artefacts
from core.errors import ArtefactError
from core.settings import Settings

KIND = "installation_report"
FORMAT_VERSION = 1
REPORT_FILE = "report.json"
HINT = "run `jobmatch report` (scheduled nightly; see the README)"


def report_root(settings: Settings) -> Path:
    return settings.reports_dir / "installation"


def save_report(settings: Settings, report: dict[str, Any], markdown: str) -> Path:
    """A new live version holding ``report.json`` and ``report.md``; the manifest keeps when and for what."""

    def fill(folder: Path) -> dict[str, Any]:
        (folder / REPORT_FILE).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        (folder / "report.md").write_text(markdown, encoding="utf-8")
        return {k: report[k] for k in ("computed_at", "data_version", "model_version")}

    return artefacts.save(report_root(settings), kind=KIND, format_version=FORMAT_VERSION, fill=fill)


def load_report(settings: Settings) -> dict[str, Any] | None:
    """The live report, or ``None`` where none was written yet; a damaged one raises, naming the fix."""
    root = report_root(settings)
    if not (root / artefacts.POINTER).is_file():
        return None
    folder, _ = artefacts.load(root, kind=KIND, format_version=FORMAT_VERSION, hint=HINT)
    try:
        data: dict[str, Any] = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ArtefactError(f"{folder / REPORT_FILE} is unreadable ({exc})", hint=HINT) from exc
    return data
