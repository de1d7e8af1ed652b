"""Reading and writing project tables: CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX."""


def init_app(app):
    from tracker.dataio.views import bp

    app.register_blueprint(bp)
