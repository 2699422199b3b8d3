"""The weekly map's folium elements (folium's plugin pattern).

Each element is a :class:`branca.element.MacroElement` with a Jinja
``_template``; its output is placed in the page without a second Jinja pass
(:func:`render_raw`), so text from the data is never evaluated as a template.
Internal to :mod:`hotspots.render`: no name here is part of the public API.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from typing import Any, Final, Literal

import folium
from branca.element import Element, Figure, MacroElement
from folium.elements import ElementAddToElement
from folium.map import Layer
from folium.template import Template

from ..errors import HotspotsWarning, InputError
from .assets import (
    asset_text,
    inline_assets,
    runtime_js,
)
from .payloads import to_json

SUMMARY_CSS: Final = (
    ".hs-summary { background: rgba(255,255,255,0.95); padding: 4px 8px;"
    " border-radius: 4px; font: 12px/1.4 sans-serif;"
    " box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 470px; max-height: 70vh;"
    " overflow-y: auto; }"
    ".hs-summary summary { cursor: pointer; font-weight: bold; }"
    ".hs-summary h4 { margin: 6px 0 2px; font-size: 12px; }"
    ".hs-summary table { border-collapse: collapse; }"
    ".hs-summary th { text-align: left; font-weight: normal; color: #555; }"
    ".hs-summary th, .hs-summary td { padding: 1px 8px 1px 0; vertical-align: top; }"
    ".hs-summary td.hs-num { text-align: right; white-space: nowrap; }"
    ".hs-summary img { display: block; width: 450px; max-width: 100%;"
    " margin-top: 4px; }"
    ".hs-summary svg.hs-chart { display: block; max-width: 100%; height: auto;"
    " margin-top: 4px; }"
)


# ---------------------------------------------------------------------------------
# folium elements (folium's plugin pattern: MacroElement + Jinja template)
# ---------------------------------------------------------------------------------
class OfflineMap(folium.Map):  # type: ignore[misc]
    """A :class:`folium.Map` that also displays offline in Jupyter.

    folium's inline display links Leaflet from public CDNs, so a notebook
    opened without internet shows a blank frame. This map's ``_repr_html_``
    inlines the shipped assets exactly as :func:`save_map` does.
    """

    def _repr_html_(self, **kwargs: Any) -> str:
        """Display the map in a notebook as a self-contained ``<iframe srcdoc>``."""
        detached = self._parent is None
        if detached:
            self.add_to(Figure())
        try:
            root = self.get_root()
            try:
                page = inline_assets(stable_ids(root.render(**kwargs), root))
            except InputError as err:
                warnings.warn(
                    f"The map is shown with links to the internet: {err}",
                    HotspotsWarning,
                    stacklevel=2,
                )
                return str(super()._repr_html_(**kwargs))
        finally:
            if detached:
                self._parent = None  # type: ignore[assignment]
        return (
            '<div style="width:100%;"><div style="position:relative;width:100%;'
            'height:0;padding-bottom:60%;"><iframe srcdoc="'
            + html.escape(page, quote=True)
            + '" style="position:absolute;width:100%;height:100%;left:0;top:0;'
            'border:none !important;" allowfullscreen></iframe></div></div>'
        )


class _RawElement(Element):  # type: ignore[misc]
    """Text placed in the page as is.

    branca wraps the output of every macro in ``Element(output)``, which
    compiles that output as a new Jinja template: report text such as
    ``{{ 7*7 }}`` would be evaluated in the analyst's Python process. The
    weekly map's elements place their output through this class instead,
    whose template only prints an attribute.
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def _render_raw(element: MacroElement, kwargs: dict[str, Any]) -> None:
    """Render a MacroElement's macros without compiling their output again."""
    figure = element.get_root()
    if not isinstance(figure, Figure):
        msg = "the weekly map's elements must be added to a folium.Map to render."
        raise TypeError(msg)
    module = element._template.module.__dict__
    for part in ("header", "html", "script"):
        macro = module.get(part)
        if macro is not None:
            target = getattr(figure, part)
            target.add_child(
                _RawElement(str(macro(element, kwargs))), name=element.get_name()
            )
    for child in element._children.values():
        child.render(**kwargs)


class Runtime(MacroElement):  # type: ignore[misc]
    """The weekly map's JavaScript and CSS, defined once per page."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.js }}
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsRuntime"
        self.js = runtime_js()
        self.css = asset_text("hotspots_map.css")

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the runtime in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class MapData(MacroElement):  # type: ignore[misc]
    """The map's data, serialised once as JSON in a non-executed script element.

    ``JSON.parse`` of a ``<script type="application/json">`` is much faster
    than parsing the same data as a JavaScript literal, and keeps the page's
    executed script small.
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/json" id="{{ this.get_name() }}">
        {{- this.payload -}}
        </script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = JSON.parse(
            document.getElementById("{{ this.get_name() }}").textContent);
        {% endmacro %}
        """
    )

    def __init__(self, payload: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsData"
        self.payload = payload

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the data in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class JsLayer(Layer):  # type: ignore[misc]
    """A layer built by a function of the runtime from the shared data."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {%- if this.lazy %}
        var {{ this.get_name() }} = window.HotspotsMap.lazy(function () {
            return window.HotspotsMap.{{ this.factory }}({{ this._parent.get_name() }},
                {{ this.data.get_name() }}{{ this.extra }});
        });
        {%- else %}
        var {{ this.get_name() }} = window.HotspotsMap.{{ this.factory }}(
            {{ this._parent.get_name() }}, {{ this.data.get_name() }}{{ this.extra }});
        {%- endif %}
        window.HotspotsMap.register({{ this._parent.get_name() }},
            {{ this.get_name() }}, {{ this.key_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: MapData,
        factory: str,
        *,
        key: str,
        name: str,
        show: bool,
        extra: str = "",
        lazy: bool = False,
        js: Sequence[tuple[str, str]] = (),
        css: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "HotspotsLayer"
        self.data = data
        self.factory = factory
        self.extra = extra
        self.key_json = to_json(key)
        # a layer hidden at opening is built the first time it is switched on
        self.lazy = lazy and not show
        self.default_js = list(js)
        self.default_css = list(css)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Render the layer and declare its plugin assets in the page header."""
        figure = self.get_root()
        if isinstance(figure, Figure):
            for key, url in self.default_js:
                figure.header.add_child(folium.JavascriptLink(url), name=key)
            for key, url in self.default_css:
                figure.header.add_child(folium.CssLink(url), name=key)
        if self.show and self.get_name() + "_add" not in self._children:
            # once: a map rendered twice (saved, then shown) adds each layer once
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(),
                    element_parent_name=self._parent.get_name(),  # type: ignore[union-attr]
                ),
                name=self.get_name() + "_add",
            )
        _render_raw(self, kwargs)


class HtmlControl(MacroElement):  # type: ignore[misc]
    """A control (legend, title) whose HTML was escaped in Python."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.HotspotsMap.{{ this.factory }}({{ this._parent.get_name() }},
            {{ this.html_json }}, {{ this.position_json }}, {{ this.class_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        html_text: str,
        position: str,
        class_name: str,
        *,
        factory: Literal["htmlControl", "legend"] = "htmlControl",
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsControl"
        self.factory = factory
        self.html_json = to_json(html_text)
        self.position_json = to_json(position)
        self.class_json = to_json(class_name)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the control in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class FoldControl(MacroElement):  # type: ignore[misc]
    """Folds the layer control on a small screen (it opens on a tap or hover)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.HotspotsMap.foldOnSmallScreens({{ this._parent.get_name() }},
            {{ this.control.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, control: folium.LayerControl) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsFold"
        self.control = control

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the script in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class TimeControl(MacroElement):  # type: ignore[misc]
    """A slider over the weeks of the cube, redrawing the weekly-counts layer."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.HotspotsMap.timeControl(
            {{ this._parent.get_name() }}, {{ this.data.get_name() }},
            {{ this.layer.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: MapData, layer: JsLayer) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsTimeControl"
        self.data = data
        self.layer = layer

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the control in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


class SummaryPanel(HtmlControl):
    """The collapsible weekly summary (counts, blind spots, backtest) and its CSS."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        window.HotspotsMap.htmlControl({{ this._parent.get_name() }},
            {{ this.html_json }}, {{ this.position_json }}, {{ this.class_json }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str) -> None:
        super().__init__(html_text, "topleft", "hs-summary")
        self._name = "HotspotsSummary"
        self.css = SUMMARY_CSS


class ScorecardRuntime(MacroElement):  # type: ignore[misc]
    """The scorecard layer's JavaScript (``hotspots_scorecard.js``).

    Placed after the runtime, and only in maps that draw a scorecard.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.js }}
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "HotspotsScorecardRuntime"
        self.js = asset_text("hotspots_scorecard.js")

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Place the script in the page (not compiled as a template)."""
        _render_raw(self, kwargs)


def stable_ids(page: str, root: Element) -> str:
    """Replace the random element ids folium draws by ids in tree order.

    folium names every element ``<kind>_<32 random hex digits>``; numbering
    them in the order of the element tree makes saving the same map twice give
    the same bytes (the weekly job is idempotent).
    """
    order: dict[str, str] = {}
    stack: list[Element] = [root]
    while stack:
        el = stack.pop()
        rid = getattr(el, "_id", None)
        if isinstance(rid, str) and rid not in order:
            order[rid] = f"{len(order):032x}"
        stack.extend(reversed(list(getattr(el, "_children", {}).values())))
    if not order:
        return page
    return _replace_all(page, order)


def _replace_all(text: str, new: dict[str, str]) -> str:
    """Replace the keys of ``new`` in ``text``, as one regex alternation would.

    Leftmost match first, the earlier key where two start at one place, no
    overlap; but each key is found with ``str.find`` (a few dozen fast scans
    of a page of megabytes, where an alternation of as many literals tries
    every branch at every position).
    """
    found: list[tuple[int, int, str]] = []
    for rank, key in enumerate(new):
        at = text.find(key)
        while at >= 0 and key:
            found.append((at, rank, key))
            at = text.find(key, at + 1)
    found.sort()
    parts: list[str] = []
    end = 0
    for at, _, key in found:
        if at >= end:  # not inside the previous match
            parts += [text[end:at], new[key]]
            end = at + len(key)
    parts.append(text[end:])
    return "".join(parts)
