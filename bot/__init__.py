"""Majlis: the bot class, settings, storage, scheduling and the pure domain logic."""
