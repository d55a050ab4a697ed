"""Scoring refkit against gold data (the development corpus, the seed's gold file).

Shared by the tests (which assert the thresholds) and the ``bench/score_*.py`` scripts
(which print the figures).
"""
