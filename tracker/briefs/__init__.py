"""Printable PDF status briefs (简报): one per project and one for the (filtered) portfolio."""

from tracker.extend import add_list_action, add_project_action


def init_app(app):
    from tracker.briefs.cli import make_briefs
    from tracker.briefs.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(make_briefs)
    add_project_action(app, "briefs/project_button.html")
    add_list_action(app, "briefs/list_button.html")
