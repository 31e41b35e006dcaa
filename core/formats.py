"""The format version of every model a build writes, in one module that imports nothing.

Each artefact's own module saves and loads with its constant from here (:mod:`core.artefacts` refuses another
format with the refit command). ``jobmatch build`` records them with what a release was built for, so that a
release written by code with an older format is rebuilt rather than called up to date; reading them here
costs nothing, where importing the model modules to reach their constants costs about 1.2 s per build.

Bump a model's version whenever what it saves changes shape.
"""

from __future__ import annotations

CHAR_ENCODER = 1  # before: one bare .npz file, replaced atomically, with the model id as its checksum
FAISS_INDEX = 2  # 1: manifest of its own with two checksum fields (before the shared artefact scheme)
RELEVANCE_CALIBRATION = 1
# 1: model.json with its own checksums (before the shared artefact scheme); 2: LightFM params only, not the
# hybrid's own settings; 3: the whole HybridConfig under "config"; 4: LightGBM trees (apply.txt,
# employer.txt) and the calibration instead of two logistic models.
HYBRID = 4
# 1-2: interventions.joblib + interventions.json side by side in the models folder (before the shared
# scheme). 4: posterior intervals (the learner keeps covariances) and the measured coverage in the manifest.
# 5: the pooled comparison of programmes (the learner keeps the pooled averages). 6: the bins where the
# stated chances held, in the manifest. 7: the overlap threshold 0.05 (a model saved at 0.02 is the earlier
# estimator, so a build refits it).
INTERVENTIONS = 7
PROGRAMME_TABLE = 2  # 2: the ranking keeps the chances a card may state (``*_shown``)

# What a build writes, by the name its fingerprint records (``app.refresh.build_fingerprint``).
BUILT = {"char_encoder": CHAR_ENCODER, "index": FAISS_INDEX, "hybrid": HYBRID, "calibration": RELEVANCE_CALIBRATION,
         "interventions": INTERVENTIONS, "programme_table": PROGRAMME_TABLE}  # fmt: skip
