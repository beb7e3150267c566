"""Majlis's shipped data, installed as the `majlis_data` package (see `bot/shipped.py`)."""
