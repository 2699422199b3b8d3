/* hotspots weekly map runtime (MIT, part of the hotspots package).
 *
 * Every string in the data object D was HTML-escaped (and scrubbed of personal
 * data) in Python before it was serialised, so it may be placed in innerHTML.
 * Numbers are formatted here. Nothing in this file makes a network request.
 */
(function () {
  "use strict";
  if (window.HotspotsMap) { return; }
  var HS = {};

  /* A layer built the first time it is added to the map (hidden at opening). */
  HS.lazy = function (build) {
    var group = L.featureGroup();
    group.on("add", function () {
      if (!group._hsInner) {
        group._hsInner = build();
        group.addLayer(group._hsInner);
      }
    });
    return group;
  };

  HS.renderer = function (map) {
    if (!map._hsCanvas) { map._hsCanvas = L.canvas({ padding: 0.5 }); }
    return map._hsCanvas;
  };

  function fmt(x, digits) {
    if (x === null || x === undefined) { return "–"; }
    if (typeof x !== "number") { return String(x); }
    if (Number.isInteger(x)) { return String(x); }
    return x.toFixed(digits === undefined ? 2 : digits);
  }
  HS.fmt = fmt;

  function row(k, v) { return "<tr><th>" + k + "</th><td>" + v + "</td></tr>"; }

  /* a dictionary-encoded text column {k: distinct values, v: codes} */
  function dec(col, i) {
    if (!col) { return null; }
    var c = col.v[i];
    return (c === null || c < 0) ? null : col.k[c];
  }
  HS.dec = dec;

  function pad(n) { return n < 10 ? "0" + n : String(n); }
  /* local wall-clock minutes after a base (epoch ms of the base, as UTC) */
  function wallTime(base, minutes) {
    if (minutes === null || minutes === undefined) { return "–"; }
    var d = new Date(base + minutes * 60000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  /* Build GeoJSON features from {geoms: [...], <prop>: [...]} column arrays. */
  HS.features = function (block, filter) {
    var out = [], n = block.geoms.length;
    for (var i = 0; i < n; i++) {
      if (filter && !filter(i)) { continue; }
      out.push({ type: "Feature", geometry: block.geoms[i], properties: { i: i } });
    }
    return { type: "FeatureCollection", features: out };
  };

  function isLine(feature) {
    var t = feature.geometry.type;
    return t === "LineString" || t === "MultiLineString";
  }

  HS.sparkline = function (values, current) {
    var w = 180, h = 40, n = values.length;
    if (!n) { return ""; }
    var max = 1;
    for (var k = 0; k < n; k++) { if (values[k] > max) { max = values[k]; } }
    var pts = [];
    for (var i = 0; i < n; i++) {
      var x = n === 1 ? w / 2 : 2 + i * (w - 4) / (n - 1);
      var y = h - 3 - (values[i] / max) * (h - 8);
      pts.push(x.toFixed(1) + "," + y.toFixed(1));
    }
    var svg = '<svg class="hs-spark" width="' + w + '" height="' + h +
      '" viewBox="0 0 ' + w + " " + h + '"><polyline fill="none" stroke="#b2182b" ' +
      'stroke-width="1.5" points="' + pts.join(" ") + '"/>';
    if (current >= 0 && current < n) {
      var c = pts[current].split(",");
      svg += '<circle cx="' + c[0] + '" cy="' + c[1] + '" r="2.5" fill="#b2182b"/>';
    }
    return svg + "</svg>";
  };

  /* A 7 x 24 heat table (rows Monday..Sunday, columns the hours) as inline SVG:
   * values are shares in 1/10000, days and title already HTML-escaped. */
  HS.heatTable = function (values, days, title) {
    var cw = 7, ch = 9, left = 30, top = 12, max = 1;
    for (var k = 0; k < values.length; k++) { if (values[k] > max) { max = values[k]; } }
    var w = left + 24 * cw + 2, h = top + 7 * ch + 2;
    var svg = '<svg class="hs-heat7" width="' + w + '" height="' + h + '" viewBox="0 0 ' +
      w + " " + h + '"><title>' + title + "</title>";
    for (var x = 0; x < 24; x += 6) {
      svg += '<text x="' + (left + x * cw) + '" y="9" font-size="8" fill="#555">' +
        pad(x) + "</text>";
    }
    for (var d = 0; d < 7; d++) {
      svg += '<text x="0" y="' + (top + d * ch + 7) + '" font-size="8" fill="#555">' +
        days[d] + "</text>";
      for (var hr = 0; hr < 24; hr++) {
        var v = values[d * 24 + hr], t = v / max;
        /* white to dark red */
        var r = Math.round(255 - t * (255 - 165)), g = Math.round(255 - t * (255 - 15)),
          b = Math.round(255 - t * (255 - 21));
        svg += '<rect x="' + (left + hr * cw) + '" y="' + (top + d * ch) + '" width="' +
          (cw - 1) + '" height="' + (ch - 1) + '" fill="rgb(' + r + "," + g + "," + b +
          ')"><title>' + days[d] + " " + pad(hr) + ":00-" + pad(hr + 1) + ":00 " +
          (v / 100).toFixed(1) + "%</title></rect>";
      }
    }
    return svg + "</svg>";
  };

  HS.unitPopup = function (D, i) {
    var T = D.labels, U = D.units, h = '<div class="hs-popup"><b>' + T.unit + " " +
      U.id[i] + "</b><table>";
    U.names.forEach(function (col) {
      var v = dec(col[1], i);
      if (v !== null) { h += row(col[0], v); }
    });
    if (U.g && U.g[i] !== null) {
      h += row(T.gi_class, '<span class="hs-sw" style="background:' +
        D.colors.gi[U.g[i] + 3] + '"></span>' + D.giLabels[U.g[i] + 3]);
      h += row(T.gi_z, fmt(U.z[i])) + row(T.gi_p, fmt(U.pv[i], 4));
    }
    if (U.p && U.p[i] !== null && U.p[i] >= 0) {
      h += row(T.pattern, '<span class="hs-sw" style="background:' +
        D.patterns.color[U.p[i]] + '"></span>' + D.patterns.label[U.p[i]]);
      if (U.mk && U.mk[i] !== null) { h += row(T.mk_p, fmt(U.mk[i], 4)); }
      if (U.nh && U.nh[i] !== null) { h += row(T.n_hot, fmt(U.nh[i])); }
    }
    if (U.r && U.r[i] !== null && U.r[i] > 0) {
      h += row(T.rank, fmt(U.r[i])) + row(T.score, fmt(U.sc[i], 3));
      var why = dec(U.why, i);
      if (why !== null) { h += row(T.reason, why); }
      U.ev.forEach(function (col) {
        if (col[1][i] !== null) { h += row(T.evidence + " · " + col[0], fmt(col[1][i], 3)); }
      });
      var peak = dec(U.pw, i);
      if (peak !== null) { h += row(U.hpl.peak, peak); }
    }
    var top = dec(U.top, i);
    if (top !== null) { h += row(T.top_categories, top); }
    if (U.tc && U.tc[i][0] >= 0) {
      var tops = [];
      for (var k = 0; k < U.tc[i].length; k++) {
        if (U.tc[i][k] >= 0) { tops.push(D.categories[U.tc[i][k]] + " " + fmt(U.tn[i][k])); }
      }
      h += row(T.top_categories, tops.join("<br>"));
    }
    h += "</table>";
    if (U.s && U.s[i]) {
      h += '<div class="hs-sub">' + T.weekly_counts + " (" + D.periods[0] + " – " +
        D.periods[D.periods.length - 1] + ")</div>" + HS.sparkline(U.s[i], D.week);
    }
    if (U.hp && U.hp[i] && U.r && U.r[i] !== null && U.r[i] > 0) {
      h += '<div class="hs-sub">' + U.hpl.title + "</div>" +
        HS.heatTable(U.hp[i], U.hpl.days, U.hpl.title);
    }
    return h + "</div>";
  };

  HS.unitLayer = function (map, D, kind) {
    var U = D.units, colors = D.colors, filter, style;
    if (kind === "gi") {
      filter = function (i) { return U.g[i] !== null && U.g[i] !== 0; };
      style = function (f) {
        var c = colors.gi[U.g[f.properties.i] + 3];
        return isLine(f) ? { color: c, weight: 5, opacity: 0.9 }
          : { color: "#555555", weight: 0.5, fillColor: c, fillOpacity: 0.65 };
      };
    } else if (kind === "emerging") {
      filter = function (i) { return U.p[i] !== null && U.p[i] >= 0; };
      style = function (f) {
        var c = D.patterns.color[U.p[f.properties.i]];
        return isLine(f) ? { color: c, weight: 5, opacity: 0.9 }
          : { color: c, weight: 1.5, fillColor: c, fillOpacity: 0.45 };
      };
    } else {
      filter = function (i) { return U.r[i] !== null && U.r[i] > 0; };
      style = function (f) {
        return isLine(f) ? { color: colors.blind, weight: 7, opacity: 0.8 }
          : { color: colors.blind, weight: 3, fillColor: colors.blind, fillOpacity: 0.2 };
      };
    }
    var layer = L.geoJSON(HS.features(U, filter), {
      style: style, renderer: HS.renderer(map)
    });
    if (kind === "blind") {
      var group = L.featureGroup([layer]);
      /* rank circles sit below the marker pane: patrol stops stay on top */
      if (!map.getPane("hsRanks")) { map.createPane("hsRanks").style.zIndex = 590; }
      for (var i = 0; i < U.id.length; i++) {
        if (!filter(i)) { continue; }
        var text = T(D, "blind_short").replace("{rank}", U.r[i]);
        var icon = L.divIcon({
          className: "hs-rank", iconSize: [12 + 8 * text.length, 22],
          html: "<span>" + text + "</span>"
        });
        var mk = L.marker([U.rlat[i], U.rlon[i]], {
          icon: icon, pane: "hsRanks", title: T(D, "rank") + " " + U.r[i]
        });
        mk._hsi = i;
        group.addLayer(mk);
      }
      layer = group;
    }
    layer.bindPopup(function (l) {
      var i = l._hsi !== undefined ? l._hsi : l.feature.properties.i;
      return HS.unitPopup(D, i);
    }, { maxWidth: 320 });
    return layer;
  };

  function T(D, key) { return D.labels[key]; }

  HS.reportPopup = function (D, i) {
    var R = D.reports, t = D.labels;
    var h = '<div class="hs-popup"><b>' + t.report + " " + R.id[i] + "</b><table>" +
      row(t.category, D.categories[R.cat[i]]);
    if (R.t) { h += row(t.reported_at, wallTime(R.t0, R.t[i])); }
    if (R.st) { h += row(t.status, dec(R.st, i) === null ? "–" : dec(R.st, i)); }
    if (R.so) { h += row(t.source, dec(R.so, i) === null ? "–" : dec(R.so, i)); }
    if (R.d && R.d[i] !== null) { h += row(t.description, R.d[i]); }
    if (R.a && R.a[i] !== null) { h += row(t.address, R.a[i]); }
    return h + "</table></div>";
  };

  HS.reportLayer = function (map, D, c) {
    var R = D.reports, color = D.colors.cat[c % D.colors.cat.length];
    if (map.options.maxZoom === undefined) { map.options.maxZoom = 19; }
    var group = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 45, disableClusteringAtZoom: 18,
      iconCreateFunction: function (cl) {
        var n = cl.getChildCount(), size = n < 10 ? 26 : (n < 100 ? 32 : 40);
        return L.divIcon({
          className: "hs-cluster", iconSize: [size, size],
          html: '<div style="background:' + color + '"><span>' + n + "</span></div>"
        });
      }
    });
    var icon = L.divIcon({
      className: "hs-report", iconSize: [12, 12],
      html: '<span style="background:' + color + '"></span>'
    });
    var markers = [];
    for (var i = 0; i < R.c.length; i++) {
      if (R.c[i] !== c) { continue; }
      var mk = L.marker([R.lat[i], R.lon[i]], { icon: icon });
      mk._hsi = i;
      markers.push(mk);
    }
    group.addLayers(markers);
    group.bindPopup(function (l) { return HS.reportPopup(D, l._hsi); }, { maxWidth: 320 });
    return group;
  };

  HS.heatLayer = function (map, D) {
    var R = D.reports, pts = new Array(R.lat.length);
    for (var i = 0; i < R.lat.length; i++) { pts[i] = [R.lat[i], R.lon[i], R.w ? R.w[i] : 1]; }
    return L.heatLayer(pts, { radius: 18, blur: 15, maxZoom: 17, max: D.heatMax });
  };

  HS.clusterLayer = function (map, D) {
    var C = D.clusters, t = D.labels;
    var layer = L.geoJSON(HS.features(C), {
      renderer: HS.renderer(map),
      style: function () {
        return { color: D.colors.cluster, weight: 2, dashArray: "6 4", fillOpacity: 0.12 };
      }
    });
    layer.bindPopup(function (l) {
      var i = l.feature.properties.i;
      var h = '<div class="hs-popup"><b>' + t.cluster + " " + C.id[i] + "</b><table>";
      C.cols.forEach(function (col) {
        if (col[1][i] !== null) { h += row(col[0], fmt(col[1][i])); }
      });
      return h + "</table></div>";
    }, { maxWidth: 320 });
    return layer;
  };

  HS.patrolLayer = function (map, D) {
    var P = D.patrol, t = D.labels, group = L.featureGroup();
    var routes = L.geoJSON(HS.features(P.routes), {
      renderer: HS.renderer(map),
      style: function (f) {
        return { color: P.routes.color[f.properties.i], weight: 4, opacity: 0.85 };
      }
    });
    routes.bindPopup(function (l) {
      var i = l.feature.properties.i, h = '<div class="hs-popup"><b>' + t.team + " " +
        P.routes.team[i] + "</b><table>";
      P.routes.cols.forEach(function (col) {
        if (col[1][i] !== null) { h += row(col[0], fmt(col[1][i], 1)); }
      });
      return h + "</table></div>";
    });
    group.addLayer(routes);
    var S = P.stops;
    for (var i = 0; i < S.lat.length; i++) {
      var label = S.label ? S.label[i] : String(S.order[i]);
      var icon = L.divIcon({
        className: "hs-stop", iconSize: [10 + 8 * label.length, 20],
        html: '<span style="background:' + S.color[i] + '">' + label + "</span>"
      });
      var mk = L.marker([S.lat[i], S.lon[i]], {
        icon: icon, zIndexOffset: 1000,
        title: t.team + " " + S.team[i] + " · " + t.stop.replace("{order}", S.order[i])
      });
      mk._hsi = i;
      mk.bindPopup(function (l) {
        var j = l._hsi, h = '<div class="hs-popup"><b>' + t.team + " " + S.team[j] + " · " +
          t.stop.replace("{order}", S.order[j]) + "</b><table>";
        S.cols.forEach(function (col) {
          if (col[1][j] !== null) { h += row(col[0], fmt(col[1][j], 1)); }
        });
        return h + "</table></div>";
      });
      group.addLayer(mk);
    }
    return group;
  };

  HS.baseLayer = function (map, D, kind) {
    var B = D[kind];
    return L.geoJSON(HS.features(B), {
      renderer: HS.renderer(map), interactive: false,
      style: function (f) {
        if (kind === "streets") {
          var w = B.w ? B.w[f.properties.i] : 2;
          return { color: "#7f7f7f", weight: w, opacity: 0.9 };
        }
        return { color: "#9e9e9e", weight: 0.6, fill: false };
      }
    });
  };

  function countColor(n, breaks, colors) {
    for (var k = breaks.length - 1; k >= 0; k--) { if (n >= breaks[k]) { return colors[k]; } }
    return colors[0];
  }

  HS.weeklyLayer = function (map, D) {
    var W = D.weekly, group = L.featureGroup(), t = D.labels;
    if (!W.lat) {
      W.lat = new Array(W.dlat.length);
      W.lon = new Array(W.dlon.length);
      var a = 0, b = 0;
      for (var q = 0; q < W.dlat.length; q++) {
        a += W.dlat[q]; b += W.dlon[q];
        W.lat[q] = a / W.scale; W.lon[q] = b / W.scale;
      }
    }
    group._hsWeek = W.start;
    group._hsShow = function (k) {
      group._hsWeek = k;
      if (group._map) { group._hsDraw(); }
    };
    group.on("add", function () { group._hsDraw(); });
    group._hsDraw = function () {
      var k = group._hsWeek;
      group.clearLayers();
      var idx = W.idx[k], cnt = W.n[k], cell = 0, r = HS.renderer(map);
      for (var j = 0; j < idx.length; j++) {
        cell += idx[j];
        var n = cnt[j];
        var mk = L.circleMarker([W.lat[cell], W.lon[cell]], {
          renderer: r, radius: 3 + 2.2 * Math.sqrt(n), weight: 1, color: "#444444",
          fillColor: countColor(n, W.breaks, W.colors), fillOpacity: 0.8
        });
        mk._hsi = cell;
        mk._hsn = n;
        group.addLayer(mk);
      }
    };
    group.bindPopup(function (l) {
      return '<div class="hs-popup"><table>' +
        row(t.week, W.periods[group._hsWeek]) + row(t.n_reports, fmt(l._hsn)) +
        "</table></div>";
    });
    return group;
  };

  HS.timeControl = function (map, D, layer) {
    var W = D.weekly, t = D.labels, timer = null;
    var Ctl = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "hs-time leaflet-bar");
        div.innerHTML = '<div class="hs-time-title">' + t.layer_weekly + "</div>" +
          '<button type="button" class="hs-prev">◀</button>' +
          '<input type="range" min="0" max="' + (W.periods.length - 1) + '" step="1">' +
          '<button type="button" class="hs-next">▶</button> ' +
          '<button type="button" class="hs-play">' + t.play + "</button>" +
          '<div class="hs-time-label"></div>';
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        var input = div.querySelector("input"), label = div.querySelector(".hs-time-label");
        var play = div.querySelector(".hs-play");
        function show(k) {
          k = Math.max(0, Math.min(W.periods.length - 1, k));
          input.value = String(k);
          layer._hsShow(k);
          if (!map.hasLayer(layer)) { map.addLayer(layer); }
          label.innerHTML = t.week + " " + W.periods[k] + " · " + t.total + " " + fmt(W.total[k]);
        }
        input.addEventListener("input", function () { show(parseInt(input.value, 10)); });
        div.querySelector(".hs-prev").addEventListener("click", function () {
          show(parseInt(input.value, 10) - 1);
        });
        div.querySelector(".hs-next").addEventListener("click", function () {
          show(parseInt(input.value, 10) + 1);
        });
        play.addEventListener("click", function () {
          if (timer) {
            clearInterval(timer); timer = null; play.innerHTML = t.play; return;
          }
          play.innerHTML = t.pause;
          timer = setInterval(function () {
            var k = parseInt(input.value, 10) + 1;
            show(k >= W.periods.length ? 0 : k);
          }, 900);
        });
        var k0 = W.start;
        input.value = String(k0);
        label.innerHTML = t.week + " " + W.periods[k0] + " · " + t.total + " " + fmt(W.total[k0]);
        this._hsShow = show;
        return div;
      }
    });
    return new Ctl().addTo(map);
  };

  /* a small screen (800 x 600 and the like): controls open folded */
  HS.smallScreen = function (map) {
    var size = map.getSize();
    return size.x <= 900 || size.y <= 700;
  };

  function overlaps(a, b) {
    var r = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    return r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom;
  }

  HS.htmlControl = function (map, html, position, className) {
    var Ctl = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        var div = L.DomUtil.create("div", className);
        div.innerHTML = html;
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    var ctl = new Ctl().addTo(map);
    if (className === "hs-title") {
      /* the title never covers a popup: it steps aside while one overlaps it */
      var div = ctl.getContainer();
      map.on("popupopen", function (e) {
        var box = e.popup.getElement();
        if (box && overlaps(div, box)) { L.DomUtil.addClass(div, "hs-aside"); }
      });
      map.on("popupclose", function () { L.DomUtil.removeClass(div, "hs-aside"); });
    }
    return ctl;
  };

  /* Layers register with a key; the legend shows the sections of those on. */
  HS.register = function (map, layer, key) {
    layer._hsKey = key;
    (map._hsLayers = map._hsLayers || []).push(layer);
    if (map._hsLegendSync) { map._hsLegendSync(); }
  };

  HS.legend = function (map, html, position, className) {
    var ctl = HS.htmlControl(map, html, position, className), div = ctl.getContainer();
    function sync() {
      var on = {}, any = false;
      (map._hsLayers || []).forEach(function (l) { if (map.hasLayer(l)) { on[l._hsKey] = true; } });
      var parts = div.querySelectorAll("[data-layer]");
      for (var k = 0; k < parts.length; k++) {
        var keys = parts[k].getAttribute("data-layer").split(" "), show = false;
        for (var q = 0; q < keys.length; q++) { if (on[keys[q]]) { show = true; } }
        parts[k].style.display = show ? "" : "none";
        any = any || show;
      }
      div.style.display = any ? "" : "none";
    }
    map._hsLegendSync = sync;
    map.on("layeradd layerremove", function (e) { if (e.layer && e.layer._hsKey) { sync(); } });
    sync();
    if (HS.smallScreen(map)) {
      var fold = div.querySelector("details");
      if (fold) { fold.open = false; }
    }
    return ctl;
  };

  HS.foldOnSmallScreens = function (map, control) {
    if (!HS.smallScreen(map)) { return; }
    var box = control.getContainer();
    control.collapse();
    L.DomEvent.on(box, "mouseenter", control.expand, control);
    L.DomEvent.on(box, "mouseleave", control.collapse, control);
    map.on("click", control.collapse, control);
  };

  window.HotspotsMap = HS;
}());
