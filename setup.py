"""Packaging beyond pyproject.toml: the top-level `data/` folder ships as the `majlis_data` package.

`data/` stays the one source of the shipped data; mapping it here (rather than copying it in a build
step) works for wheels and editable installs alike. Everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["bot", "bot.*", "cogs", "cogs.*"]),
        "majlis_data",
        "majlis_data.messages",
    ],
    package_dir={"majlis_data": "data"},
)
