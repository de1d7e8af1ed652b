"""Folium maps embedded in the app's pages, with every script and stylesheet served by the app.

Folium's default CDN links are replaced on each map instance (never in folium's module lists), and
user text never enters Folium's generated script: the markers are drawn by static/js/tracker-map.js
from a JSON block that the page embeds separately (see logic.script_json)."""

from dataclasses import dataclass

import folium
from branca.element import MacroElement
from flask import url_for
from folium.elements import JSCSSMixin
from folium.template import Template
from markupsafe import Markup

from tracker.maps.basemaps import Basemap


def _vendor_js() -> list[tuple[str, str]]:
    return [
        ("leaflet", url_for("static", filename="vendor/leaflet/leaflet.js")),
        (
            "leaflet_markercluster",
            url_for("static", filename="vendor/leaflet.markercluster/leaflet.markercluster.js"),
        ),
        ("tracker_map", url_for("static", filename="js/tracker-map.js")),
    ]


def _vendor_css() -> list[tuple[str, str]]:
    return [
        ("leaflet_css", url_for("static", filename="vendor/leaflet/leaflet.css")),
        (
            "markercluster_css",
            url_for("static", filename="vendor/leaflet.markercluster/MarkerCluster.css"),
        ),
        (
            "markercluster_default_css",
            url_for("static", filename="vendor/leaflet.markercluster/MarkerCluster.Default.css"),
        ),
        ("tracker_map_css", url_for("static", filename="css/map.css")),
    ]


class TrackerMap(folium.Map):
    """A folium.Map for embedding in a page: local assets only, and no page-wide html/body styles."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                #{{ this.get_name() }} {
                    position: {{ this.position }};
                    width: {{ this.width[0] }}{{ this.width[1] }};
                    height: {{ this.height[0] }}{{ this.height[1] }};
                }
                .leaflet-container { font-size: {{ this.font_size }}; }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map tm-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, tiles=None, **kwargs)
        # Per instance: folium's own module-level lists (CDN links) are left untouched.
        self.default_js = _vendor_js()
        self.default_css = _vendor_css()


class DataLayer(JSCSSMixin, MacroElement):
    """Hands the map to tracker-map.js with the id of the page's JSON block (and nothing else)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            TrackerMap.{{ this.mode }}({{ this._parent.get_name() }}, {{ this.data_id|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, mode: str, data_id: str):
        super().__init__()
        self._name = "TrackerDataLayer"
        assert mode in ("portfolio", "project")
        self.mode = mode
        self.data_id = data_id


@dataclass(frozen=True)
class Embedded:
    """The three parts of a rendered map, to place in a page in this order."""

    header: Markup
    html: Markup
    script: Markup


def build_map(
    basemap: Basemap,
    *,
    mode: str,
    data_id: str,
    center: tuple[float, float],
    zoom: int,
    height: str,
) -> Embedded:
    m = TrackerMap(
        location=list(center),
        zoom_start=zoom,
        height=height,
        control_scale=True,
    )
    # Clustering needs a bounded zoom even when there are no tiles (the blank basemap).
    m.options["maxZoom"] = 19
    for i, tile in enumerate(basemap.tiles):
        folium.TileLayer(
            tiles=tile.url,
            attr=tile.attribution,
            subdomains=tile.subdomains,
            max_zoom=tile.max_zoom,
            name=f"{basemap.label}{i + 1}",
            control=False,
        ).add_to(m)
    DataLayer(mode, data_id).add_to(m)
    root = m.get_root()
    root.header._children.pop("meta_http", None)  # the page has its own <meta charset>
    root.render()
    return Embedded(
        header=Markup(root.header.render()),
        html=Markup(root.html.render()),
        script=Markup(root.script.render()),
    )
