"""Offline assets of the weekly map: Leaflet and its plugins, inlined at save time.

Folium links Leaflet and every plugin from public CDNs, so a saved map opened
without internet is a blank page. The files folium's links point at are
shipped in ``hotspots/assets`` (taken unchanged from the npm packages
``leaflet@1.9.3``, ``leaflet.markercluster@1.1.0`` and ``leaflet.heat@0.2.0``,
each with its licence file) and :func:`inline_assets` replaces every
``<script src=...>`` and stylesheet ``<link>`` of a rendered page by the file's
text. The images Leaflet's stylesheet refers to are inlined as ``data:`` URIs.

Folium's default page also links jQuery, Bootstrap, Font Awesome and
Leaflet.awesome-markers. The weekly map does not use them; a page whose
scripts do not call them gets those links removed, and a page that does
(or that links any other remote file) is refused with an :class:`InputError`
naming the URLs, so a saved map never depends on the network silently.
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources
from typing import Final

from ..errors import InputError

__all__ = [
    "ASSET_URLS",
    "HEAT_JS",
    "LEAFLET_CSS",
    "LEAFLET_JS",
    "MARKERCLUSTER_CSS",
    "MARKERCLUSTER_DEFAULT_CSS",
    "MARKERCLUSTER_JS",
    "asset_text",
    "inline_assets",
    "runtime_js",
]

LEAFLET_JS: Final = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS: Final = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
_CLUSTER_BASE: Final = (
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0"
)
MARKERCLUSTER_JS: Final = f"{_CLUSTER_BASE}/leaflet.markercluster.js"
MARKERCLUSTER_CSS: Final = f"{_CLUSTER_BASE}/MarkerCluster.css"
MARKERCLUSTER_DEFAULT_CSS: Final = f"{_CLUSTER_BASE}/MarkerCluster.Default.css"
HEAT_JS: Final = "https://cdn.jsdelivr.net/npm/leaflet.heat@0.2.0/dist/leaflet-heat.js"
_FOLIUM_HEAT_JS: Final = (
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/"
    "folium/templates/leaflet_heat.min.js"
)

#: URL (as folium or this package links it) -> shipped file in hotspots/assets.
ASSET_URLS: Final[dict[str, str]] = {
    LEAFLET_JS: "leaflet.js",
    LEAFLET_CSS: "leaflet.css",
    MARKERCLUSTER_JS: "leaflet.markercluster.js",
    MARKERCLUSTER_CSS: "MarkerCluster.css",
    MARKERCLUSTER_DEFAULT_CSS: "MarkerCluster.Default.css",
    HEAT_JS: "leaflet-heat.js",
    # folium's HeatMap plugin links its own copy of the same plugin (L.heatLayer)
    _FOLIUM_HEAT_JS: "leaflet-heat.js",
}

#: folium's default page assets that a map without awesome-markers icons,
#: Bootstrap widgets or jQuery calls does not need: removed when unused.
_DROPPABLE: Final[dict[str, str]] = {
    "jquery": "jQuery",
    "bootstrap": "Bootstrap",
    "awesome-markers": "Leaflet.awesome-markers",
    "fontawesome": "Font Awesome",
    "bootstrap-glyphicons": "Bootstrap glyphicons",
    "leaflet.awesome.rotate": "awesome-markers rotation",
}
_USES_DROPPABLE: Final = re.compile(
    r"L\.AwesomeMarkers|\bjQuery\b|\$\(|\$\.|bootstrap\."
)

_SCRIPT_LINK: Final = re.compile(r'<script\s+src="([^"]*)"\s*>\s*</script>')
_CSS_LINK: Final = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]*)"\s*/?>')
_CSS_URL: Final = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")


@functools.cache
def asset_text(name: str) -> str:
    """Return the text of a shipped asset (CSS images inlined as data URIs).

    Parameters
    ----------
    name
        File name in ``hotspots/assets``, e.g. ``"leaflet.js"``.

    Returns
    -------
    str
        The file's text, safe to place inside ``<script>`` or ``<style>``.
    """
    folder = resources.files("hotspots").joinpath("assets")
    text = folder.joinpath(name).read_text(encoding="utf-8")
    if name.endswith(".css"):

        def _data_uri(match: re.Match[str]) -> str:
            data = folder.joinpath(match.group(1)).read_bytes()
            return "url(data:image/png;base64," + base64.b64encode(data).decode() + ")"

        text = _CSS_URL.sub(_data_uri, text)
        return re.sub(r"</(style)", r"<\\/\1", text, flags=re.IGNORECASE)
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def runtime_js() -> str:
    """Return the weekly map's own JavaScript (``hotspots/assets/hotspots_map.js``)."""
    return asset_text("hotspots_map.js")


def _droppable(url: str) -> bool:
    lowered = url.lower()
    return any(key in lowered for key in _DROPPABLE)


def inline_assets(html: str) -> str:
    """Replace every linked script and stylesheet of a rendered page by its text.

    Parameters
    ----------
    html
        A page rendered by folium (``m.get_root().render()``).

    Returns
    -------
    str
        The page with shipped assets inlined (each once) and folium's unused
        default assets removed.

    Raises
    ------
    InputError
        When the page links a file that is not shipped with ``hotspots``, or
        uses jQuery, Bootstrap or awesome-markers icons.
    """
    unknown: list[str] = []
    seen: set[str] = set()

    @functools.cache
    def uses_droppable() -> bool:
        # searched only if the page links a droppable file (a weekly map does not)
        body_scripts = _SCRIPT_LINK.sub("", _CSS_LINK.sub("", html))
        return bool(_USES_DROPPABLE.search(body_scripts))

    def _replace(match: re.Match[str], tag: str) -> str:
        url = match.group(1)
        name = ASSET_URLS.get(url)
        if name is None:
            if _droppable(url) and not uses_droppable():
                return ""
            unknown.append(url)
            return match.group(0)
        if name in seen:
            return ""
        seen.add(name)
        return f"<{tag}>\n{asset_text(name)}\n</{tag}>"

    out = _SCRIPT_LINK.sub(lambda mt: _replace(mt, "script"), html)
    out = _CSS_LINK.sub(lambda mt: _replace(mt, "style"), out)
    if unknown:
        listed = ", ".join(repr(u) for u in unknown)
        msg = (
            f"m links files that cannot be saved for offline use: {listed}. "
            "Only Leaflet, leaflet.markercluster and leaflet.heat are shipped with "
            "hotspots; remove the plugins (or awesome-markers icons, jQuery, "
            "Bootstrap) that need other files, or build the map with weekly_map."
        )
        raise InputError(msg)
    return out
