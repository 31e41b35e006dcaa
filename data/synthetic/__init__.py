"""The synthetic Odense + Copenhagen world: its hidden ground-truth model, Danish text templates, the
vectorised generator, and writing a generated world into a new store file.

Only ``evaluation/`` and the benchmarks read the ground truth; the products never import this package.
"""
