"""The map: every located project on a Folium map that works without internet, the 街道 layer,
a small map on each project page for setting its location, and GET /api/projects.geojson."""

from tracker.extend import NavItem, Panel, add_list_action, add_nav, add_project_panel


def init_app(app):
    from tracker.maps.views import api, bp, panel_context

    app.register_blueprint(bp)
    app.register_blueprint(api)
    add_nav(app, NavItem(50, "地图", "maps.index"))
    add_project_panel(app, Panel(15, "maps/panel.html", panel_context))
    add_list_action(app, "maps/list_action.html")
