"""Placeholder for the briefs domain (not built yet)."""


def init_app(app):
    pass
