"""Placeholder for the finance domain (not built yet)."""


def init_app(app):
    pass
