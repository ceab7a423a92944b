"""Forms as data, run by one runner (see runner.py)."""
