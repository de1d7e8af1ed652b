"""Placeholder for the alerts domain (not built yet)."""


def init_app(app):
    pass
