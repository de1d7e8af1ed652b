"""Placeholder for the maps domain (not built yet)."""


def init_app(app):
    pass
