"""Placeholder for the targets domain (not built yet)."""


def init_app(app):
    pass
