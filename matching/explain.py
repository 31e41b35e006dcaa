"""Why a seeker and a vacancy match: skills matched and missing, the career bridge, distance, a Danish line.

Pure functions over ids and labels, so the same explanation serves the CLI, the dashboard and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from data.taxonomy import Taxonomy


@dataclass(frozen=True)
class MatchExplanation:
    matched_essential: list[str]
    missing_essential: list[str]
    matched_optional: list[str]
    essential_coverage: float
    bridge_occupation: str | None
    bridge_skills: list[str] = field(default_factory=list)
    similarity: float = 0.0
    distance_km: float = 0.0
    summary_da: str = ""

    def as_dict(self) -> dict[str, object]:
        """The fields as a dict (shallow: ``dataclasses.asdict`` deep-copies, which cost a shortlist ~35 ms)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def explain_match(
    taxonomy: Taxonomy,
    *,
    seeker_skills: list[str],
    seeker_desired: list[str],
    vacancy_occupation: str,
    essential: list[str],
    optional: list[str],
    similarity: float,
    distance_km: float,
    hours: int,
    perspective: str = "du",
) -> MatchExplanation:
    """Explain one pair; skills are taxonomy ids, the output carries labels (Danish where available)."""
    have = set(seeker_skills)
    matched = [s for s in essential if s in have]
    missing = [s for s in essential if s not in have]
    matched_opt = [s for s in optional if s in have]
    coverage = len(matched) / len(essential) if essential else 1.0
    bridge_occ, bridge = _bridge(taxonomy, have, seeker_desired, vacancy_occupation)
    lab = taxonomy.label
    summary = _summary_da(
        [lab(s) for s in matched], [lab(s) for s in missing], len(essential), distance_km, hours,
        lab(bridge_occ) if bridge_occ else None, perspective,
    )  # fmt: skip
    return MatchExplanation(
        matched_essential=[lab(s) for s in matched],
        missing_essential=[lab(s) for s in missing],
        matched_optional=[lab(s) for s in matched_opt],
        essential_coverage=round(coverage, 3),
        bridge_occupation=lab(bridge_occ) if bridge_occ else None,
        bridge_skills=[lab(s) for s in bridge],
        similarity=round(float(similarity), 4),
        distance_km=round(float(distance_km), 1),
        summary_da=summary,
    )


def _bridge(
    taxonomy: Taxonomy, have: set[str], desired: list[str], target: str
) -> tuple[str | None, list[str]]:
    """When the vacancy is outside the seeker's desired occupations: which of them shares the most skills
    with it, and which of the seeker's own skills carry over."""
    if target in desired:
        return None, []
    target_skills = set(taxonomy.skills_of(target)) | set(taxonomy.skills_of(target, "optional"))
    best: str | None = None
    best_shared: list[str] = []
    for occ in desired:
        try:
            occ_skills = set(taxonomy.skills_of(occ)) | set(taxonomy.skills_of(occ, "optional"))
        except KeyError:
            continue
        shared = sorted(occ_skills & target_skills & have)
        if len(shared) > len(best_shared):
            best, best_shared = occ, shared
    return best, best_shared


def _list_da(items: list[str], limit: int = 3) -> str:
    shown = items[:limit]
    text = ", ".join(shown[:-1]) + (f" og {shown[-1]}" if len(shown) > 1 else (shown[0] if shown else ""))
    return text + (f" (+{len(items) - limit} flere)" if len(items) > limit else "")


def _summary_da(
    matched: list[str], missing: list[str], n_essential: int, distance_km: float, hours: int,
    bridge: str | None, perspective: str,
) -> str:  # fmt: skip
    """One sentence a consultant can read aloud ("du" to the citizen, "borgeren" in a note)."""
    subject = "Du" if perspective == "du" else "Borgeren"
    parts = [f"{subject} har {len(matched)} af {n_essential} nødvendige kompetencer"]
    if matched:
        parts[0] += f" (fx {_list_da(matched, 2)})"
    if missing:
        parts.append(f"mangler {_list_da(missing, 2)}")
    if bridge:
        parts.append(f"erfaring som {bridge.lower()} kan bruges her")
    parts.append(f"{distance_km:.0f} km væk, {hours} timer/uge")
    return "; ".join(parts) + "."
