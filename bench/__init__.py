"""Benchmark and fault harnesses: speed, memory, load and crash safety, each writing a results file.

Apart from ``evaluation/`` (which measures model quality against ground truth) because these measure the
running system; they may import every other package.
"""
