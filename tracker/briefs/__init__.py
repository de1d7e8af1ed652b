"""Printable PDF status briefs (简报): one per project and one for the (filtered) portfolio."""

from tracker.extend import FileStore, add_file_store, add_list_action, add_project_action


def init_app(app):
    from tracker.briefs.cli import make_briefs
    from tracker.briefs.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(make_briefs)
    add_project_action(app, "briefs/project_button.html")
    add_list_action(app, "briefs/list_button.html")
    # The weekly briefs are kept files: backups include them.
    add_file_store(app, FileStore("briefs", _brief_folder))


def _brief_folder(app):
    from tracker.briefs.jobs import output_dir

    return output_dir(app)
