"""Fairness audits: group metrics with bootstrap intervals (``metrics``), the audits of the historical
hires, the recommender's shortlists with and without fair re-ranking and the intervention allocation
(``audit``), and the report (``report``)."""
