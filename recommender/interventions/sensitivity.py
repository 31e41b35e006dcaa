"""How much hidden confounding would explain an estimated effect away: E-values (VanderWeele & Ding 2017).

The model adjusts only for what the data record; a trait nobody recorded (motivation, health, network) that
drives both who gets a programme and who finds work biases every estimate. The E-value is the minimum
strength, as a risk ratio with both the programme and the outcome, that such a trait would need to move the
estimate to no effect; for the interval's limit nearest to no effect, the strength that would make the
effect indistinguishable from none. Small E-values (under about 1.5) mean modest hidden confounding
suffices: shown to analysts beside each programme's average effect.
"""

from __future__ import annotations

import math


def e_value(effect: float, baseline: float) -> float:
    """E-value of a change ``effect`` in a risk whose level without the programme is ``baseline``."""
    if not (0 < baseline < 1) or not math.isfinite(effect):
        return float("nan")
    treated = min(max(baseline + effect, 1e-6), 1 - 1e-6)
    rr = treated / baseline
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))


def e_values(effect: float, se: float, baseline: float, z: float) -> dict[str, float]:
    """E-value of the estimate and of its interval's limit nearest to no effect (1 if it includes none)."""
    limit = effect - z * se if effect >= 0 else effect + z * se
    crosses = (limit <= 0) if effect >= 0 else (limit >= 0)
    return {
        "e_value": e_value(effect, baseline),
        "e_value_limit": 1.0 if crosses else e_value(limit, baseline),
    }
