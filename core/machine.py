"""What machine a measurement ran on, recorded beside benchmark and evaluation timings."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from typing import Any


def machine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg": list(os.getloadavg()),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
