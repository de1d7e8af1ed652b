"""Placeholder for the milestones domain (not built yet)."""


def init_app(app):
    pass
