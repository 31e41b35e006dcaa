"""Data layer: taxonomy, synthetic world, DuckDB store, validated import and export.

External ids are mapped to row numbers only here; models never see raw ids.
"""
