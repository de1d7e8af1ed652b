"""The home page (首页): headline figures that every domain adds cards to."""


def init_app(app):
    from tracker.home.views import bp

    app.register_blueprint(bp)
