"""Accounts: users, roles, login and what each role may do."""


def init_app(app):
    from tracker.accounts.views import bp

    app.register_blueprint(bp)
