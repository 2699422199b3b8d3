/* hotspots weekly map: the scorecard layer (MIT, part of the hotspots package).
 *
 * Placed in the page after hotspots_map.js, and only in maps that draw a
 * scorecard. Colours cells and street segments by the on-time rate of their
 * responsible unit; black-listed units are outlined dark, red-listed units red.
 * Every string of D.scorecard was HTML-escaped in Python and every rate was
 * formatted there. Nothing in this file makes a network request.
 */
(function () {
  "use strict";
  var HS = window.HotspotsMap;
  if (!HS || HS.scorecardLayer) { return; }

  function row(k, v) { return "<tr><th>" + k + "</th><td>" + v + "</td></tr>"; }

  function isLine(geometry) {
    return geometry.type === "LineString" || geometry.type === "MultiLineString";
  }

  /* the list code of row i: 0 red, 1 not distinguishable, 2 black */
  function edge(S, i) {
    var l = S.l[i];
    return l === 0 ? S.colors.red : (l === 2 ? S.colors.black : null);
  }

  function fill(S, i) {
    var c = S.c[i];
    return (c === null || c < 0) ? S.colors.none : S.colors.ramp[c];
  }

  HS.scorecardPopup = function (S, i) {
    var T = S.labels, h = '<div class="hs-popup"><b>' + T.layer_scorecard + "</b><table>";
    h += row(T.unit, HS.dec(S.u, i));
    h += row(T[S.kind[S.k[i]]], S.id[i]);
    h += row(T.rate, '<span class="hs-sw" style="background:' + fill(S, i) + '"></span>' +
      HS.dec(S.r, i));
    h += row(T.list, S.lists[S.l[i]]);
    if (S.n && S.n[i] !== null) { h += row(T.cases, HS.fmt(S.n[i])); }
    return h + "</table></div>";
  };

  HS.scorecardLayer = function (map, D) {
    var S = D.scorecard, renderer = HS.renderer(map);
    /* listed segments get a wider line in their list's colour beneath them */
    var casing = L.geoJSON(HS.features(S, function (i) {
      return edge(S, i) !== null && isLine(S.geoms[i]);
    }), {
      renderer: renderer, interactive: false,
      style: function (f) { return { color: edge(S, f.properties.i), weight: 10, opacity: 1 }; }
    });
    var main = L.geoJSON(HS.features(S), {
      renderer: renderer,
      style: function (f) {
        var i = f.properties.i, e = edge(S, i);
        if (isLine(f.geometry)) { return { color: fill(S, i), weight: 5, opacity: 1 }; }
        return e ? { color: e, weight: 3, opacity: 1, fillColor: fill(S, i), fillOpacity: 0.7 }
          : { color: "#555555", weight: 0.5, fillColor: fill(S, i), fillOpacity: 0.7 };
      }
    });
    main.bindPopup(function (l) {
      return HS.scorecardPopup(S, l.feature.properties.i);
    }, { maxWidth: 320 });
    return L.featureGroup([casing, main]);
  };
}());
