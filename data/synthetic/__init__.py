"""The synthetic Odense + Copenhagen world: its hidden ground-truth model (``world_model``), Danish text
templates, the vectorised generator (``generate`` orders the steps; one module per entity: ``employers``,
``vacancies``, ``seekers``, ``interactions``, ``interventions``, ``outcomes``, ``gt_tables``), and writing a
generated world into a new store file (``world``).

Only ``evaluation/`` and the benchmarks read the ground truth; the products never import this package.
"""
