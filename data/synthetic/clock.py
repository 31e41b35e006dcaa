"""The world's fixed "now" and how far back its history reaches, so that a seed reproduces it exactly."""

from __future__ import annotations

from datetime import date

TODAY = date(2026, 11, 1)
HISTORY_DAYS = 365
