"""`python -m bot.demo`: see Majlis serve a simulated community for a month, without a Discord token."""

from bot.demo.scenario import DemoResult, run_demo

__all__ = ["DemoResult", "run_demo"]
