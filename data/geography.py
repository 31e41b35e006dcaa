"""Postcodes of the two job-centre areas and their commuting belts, with approximate coordinates.

Coordinates are the approximate centre of each postcode district (public facts, rounded). Seekers live in the
job centre's own municipality; vacancies also sit in the commuting belt, so distance filters matter.
"""

from __future__ import annotations

import numpy as np
import polars as pl

KOBENHAVN = "København"
ODENSE = "Odense"

JOBCENTERS = pl.DataFrame(
    {
        "jobcenter_id": ["jc-kbh", "jc-odense"],
        "municipality": [KOBENHAVN, ODENSE],
        "name": ["Jobcenter København", "Jobcenter Odense"],
    }
)

# Approximate registered full-time unemployed (order of magnitude, Danmarks Statistik AUS, 2024):
# København about 15,000, Odense about 6,000. Seekers are drawn in this proportion.
UNEMPLOYED = {KOBENHAVN: 15_000, ODENSE: 6_000}

# (postcode, city, municipality, lat, lon, relative weight of residents)
_POSTCODES = [
    (1050, "København K", KOBENHAVN, 55.680, 12.585, 1.0),
    (1550, "København V", KOBENHAVN, 55.674, 12.565, 1.0),
    (2100, "København Ø", KOBENHAVN, 55.711, 12.577, 2.0),
    (2150, "Nordhavn", KOBENHAVN, 55.719, 12.596, 0.4),
    (2200, "København N", KOBENHAVN, 55.697, 12.546, 2.5),
    (2300, "København S", KOBENHAVN, 55.659, 12.605, 2.5),
    (2400, "København NV", KOBENHAVN, 55.708, 12.527, 2.2),
    (2450, "København SV", KOBENHAVN, 55.652, 12.545, 1.8),
    (2500, "Valby", KOBENHAVN, 55.662, 12.505, 2.0),
    (2700, "Brønshøj", KOBENHAVN, 55.705, 12.487, 1.6),
    (2720, "Vanløse", KOBENHAVN, 55.687, 12.490, 1.4),
    (2000, "Frederiksberg", "Frederiksberg", 55.679, 12.532, 0.0),
    (2600, "Glostrup", "Glostrup", 55.666, 12.401, 0.0),
    (2610, "Rødovre", "Rødovre", 55.681, 12.454, 0.0),
    (2630, "Taastrup", "Høje-Taastrup", 55.652, 12.296, 0.0),
    (2770, "Kastrup", "Tårnby", 55.630, 12.640, 0.0),
    (2800, "Kongens Lyngby", "Lyngby-Taarbæk", 55.771, 12.504, 0.0),
    (2860, "Søborg", "Gladsaxe", 55.731, 12.513, 0.0),
    (5000, "Odense C", ODENSE, 55.396, 10.388, 2.5),
    (5200, "Odense V", ODENSE, 55.392, 10.338, 1.3),
    (5210, "Odense NV", ODENSE, 55.418, 10.350, 1.3),
    (5220, "Odense SØ", ODENSE, 55.375, 10.440, 1.2),
    (5230, "Odense M", ODENSE, 55.380, 10.410, 1.2),
    (5240, "Odense NØ", ODENSE, 55.413, 10.440, 0.9),
    (5250, "Odense SV", ODENSE, 55.360, 10.340, 0.9),
    (5260, "Odense S", ODENSE, 55.350, 10.400, 1.0),
    (5270, "Odense N", ODENSE, 55.430, 10.390, 0.8),
    (5300, "Kerteminde", "Kerteminde", 55.449, 10.657, 0.0),
    (5500, "Middelfart", "Middelfart", 55.506, 9.730, 0.0),
    (5600, "Faaborg", "Faaborg-Midtfyn", 55.095, 10.243, 0.0),
    (5700, "Svendborg", "Svendborg", 55.060, 10.607, 0.0),
    (5750, "Ringe", "Faaborg-Midtfyn", 55.238, 10.478, 0.0),
    (5800, "Nyborg", "Nyborg", 55.312, 10.790, 0.0),
]

POSTCODES = pl.DataFrame(
    [row[:5] for row in _POSTCODES],
    schema={
        "postcode": pl.Int32,
        "city": pl.String,
        "municipality": pl.String,
        "lat": pl.Float64,
        "lon": pl.Float64,
    },
    orient="row",
)
RESIDENT_WEIGHT = np.array([row[5] for row in _POSTCODES])
# Which job-centre area each postcode belongs to (its own municipality or the commuting belt).
AREA = np.array([KOBENHAVN if row[0] < 5000 else ODENSE for row in _POSTCODES])


def haversine_km(
    lat1: np.ndarray | float, lon1: np.ndarray | float, lat2: np.ndarray | float, lon2: np.ndarray | float
) -> np.ndarray:
    """Great-circle distance in km, vectorised."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    value: np.ndarray = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return value
