"""Reading and writing project tables: CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX."""

from tracker import audit


def init_app(app):
    from tracker.dataio.views import bp

    app.register_blueprint(bp)
    audit.register_entity(app, "projects", "项目表")
    audit.register_entity(app, "file", "文件")
