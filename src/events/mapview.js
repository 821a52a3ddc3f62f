// Draws the events given by mapview.py (`cfg`) on the Leaflet map `map`. Plain Leaflet 1.9 plus
// Leaflet.markercluster and leaflet.heat (optional); no other library. All HTML in cfg is escaped server-side.
var T = cfg.types, O = cfg.options, container = map.getContainer();
var DAY = 86400000;
container.classList.add("ev-map");
if (O.story) container.classList.add("ev-present");  // presentation: larger type in the controls

// Basemap: Natural Earth land and borders in a pane *below* the tiles, so it shows only where tiles fail
// (no internet); the DMZ and MDL sit above the tiles.
map.createPane("ev-land").style.zIndex = 150;
map.createPane("ev-dmz").style.zIndex = 390;
var land = L.geoJSON(null, {
  pane: "ev-land",
  attribution: "Basemap: Natural Earth (public domain)",
  style: { color: "#8d96a0", weight: 0.8, fillColor: "#f6f4ee", fillOpacity: 1 },
}).addTo(map);
var dmz = L.geoJSON(null, {
  pane: "ev-dmz",
  style: function (f) {
    var p = f.properties || {};
    if ((p.name || "").indexOf("Demarcation") >= 0)
      return { color: "#b3261e", weight: 2, dashArray: "6 4", opacity: 0.9 };
    if (f.geometry.type === "Polygon") return { color: "#b3261e", weight: 0, fillColor: "#d9534f", fillOpacity: 0.12 };
    return { color: "#b3261e", weight: 1, opacity: 0.6 };
  },
  onEachFeature: function (f, layer) {
    var p = f.properties || {};
    layer.bindTooltip(String(p.name || "Korean DMZ"), { sticky: true });
  }
}).addTo(map);
// The basemap comes inline (standalone export) or as a URL of a static file (the page: cached by the browser).
[["countries", land], ["korea_dmz_mdl", dmz]].forEach(function (pair) {
  var src = cfg.basemap[pair[0]];
  if (typeof src === "string") {
    fetch(src).then(function (r) { return r.json(); }).then(function (d) { pair[1].addData(d); })
      .catch(function () { container.setAttribute("data-basemap-error", pair[0]); });
  } else if (src) pair[1].addData(src);
});
var bases = { "Natural Earth (offline)": L.layerGroup() };
if (cfg.tiles) {
  var osm = L.tileLayer(cfg.tiles.url, { maxZoom: 19, attribution: cfg.tiles.attribution, crossOrigin: true });
  // With no internet a failed tile would show as a broken image over the offline basemap: hide it.
  osm.on("tileerror", function (e) { e.tile.style.visibility = "hidden"; });
  bases = {};
  bases[cfg.tiles.name] = osm;
  bases["Natural Earth (offline)"] = L.layerGroup();
  osm.addTo(map);
} else {
  bases["Natural Earth (offline)"].addTo(map);
}

// Icons: one DivIcon per type and precision class; coarse places are drawn faded with a dashed ring.
var icons = {};
var SLOT = '<i class="ev-ico"></i>';
function withIcon(html, type) { return html.split(SLOT).join((T[type] || T.other).svg); }
function icon(type, prec) {
  var coarse = prec === "region" || prec === "country" || prec === "unknown";
  var key = type + (coarse ? ":c" : "");
  if (!icons[key]) {
    var t = T[type] || T.other;
    icons[key] = L.divIcon({
      className: "ev-icon",
      html: '<div class="ev-pin' + (coarse ? " ev-coarse" : "") + '" style="--c:' + t.colour + '">' + t.svg + "</div>",
      iconSize: [28, 28], iconAnchor: [14, 14], popupAnchor: [0, -12], tooltipAnchor: [12, 0]
    });
  }
  return icons[key];
}

function clusterIcon(cluster) {
  var kids = cluster.getAllChildMarkers(), counts = {}, n = kids.length, stops = [], acc = 0;
  kids.forEach(function (m) { counts[m.ev.type] = (counts[m.ev.type] || 0) + 1; });
  Object.keys(T).forEach(function (t) {
    if (!counts[t]) return;
    var a = acc / n * 360; acc += counts[t];
    stops.push(T[t].colour + " " + a.toFixed(1) + "deg " + (acc / n * 360).toFixed(1) + "deg");
  });
  var size = n < 10 ? 34 : n < 100 ? 42 : 50;
  return L.divIcon({
    className: "ev-cluster marker-cluster",
    html: '<div style="background:conic-gradient(' + stops.join(",") + ')"><span>' + n + "</span></div>",
    iconSize: [size, size]
  });
}

// No clustering in story mode: the story shows each event at a readable zoom, not inside a cluster.
var hasCluster = typeof L.markerClusterGroup === "function" && !O.story;
var cluster = hasCluster
  ? L.markerClusterGroup({ maxClusterRadius: 36, disableClusteringAtZoom: 10, showCoverageOnHover: false, chunkedLoading: true,
                           spiderfyOnMaxZoom: true, iconCreateFunction: clusterIcon })
  : L.featureGroup();
// The part of the map no control covers: set from the controls' sizes once they are drawn (clear(), below).
// Popups pan inside it; the first view fits the events into it.
var padTL = L.point(12, 12), padBR = L.point(12, 12);
var popupOptions = { maxWidth: 380, minWidth: 260, className: "ev-popup", autoPanPaddingTopLeft: padTL,
                     autoPanPaddingBottomRight: padBR };
var byId = {}, all = [];
cfg.events.forEach(function (e) {
  var mk = L.marker([e.lat, e.lon], { icon: icon(e.type, e.prec), riseOnHover: true });
  mk.ev = e;
  mk.bindPopup(function () { return withIcon(e.popup, e.type); }, popupOptions);
  mk.bindTooltip(e.tip, { direction: "right" });
  byId[e.id] = mk;
  all.push(mk);
});
cluster.addTo(map);

// Aggregated mode: the grid cells themselves, coloured by their commonest type, darker with more events.
var cells = L.featureGroup();
var most = cfg.cells.reduce(function (m, c) { return Math.max(m, c.n); }, 1);
cfg.cells.forEach(function (c) {
  var t = T[c.type] || T.other;
  L.rectangle(c.box, { color: "#fff", weight: 0.6, fillColor: t.colour,
                       fillOpacity: 0.3 + 0.6 * Math.log(1 + c.n) / Math.log(1 + most) })
    .bindPopup(c.popup, { autoPanPaddingTopLeft: padTL, autoPanPaddingBottomRight: padBR }).bindTooltip(c.n + " events · mostly " + t.label).addTo(cells);
});
if (cfg.cells.length) cells.addTo(map);

// Heat layer: leaflet.heat as shipped by folium; skipped quietly if the asset is absent.
var heat = null;
if (typeof L.heatLayer === "function") {
  heat = L.heatLayer([], { radius: 22, blur: 18, minOpacity: 0.35, maxZoom: 9 });
  if (O.heat) heat.addTo(map);
}

// Routes: events of one article in order, one dashed leg between each two and an arrow at its middle. A leg
// shows only while the events at both its ends do (timeline, legend), so playback never leaves a stray arrow.
var routes = L.featureGroup(), arrows = L.featureGroup(), legs = [];
cfg.routes.forEach(function (r) {
  r.arrows.forEach(function (a, i) {
    legs.push({
      ends: [r.ids[i], r.ids[i + 1]],
      line: L.polyline([r.points[i], r.points[i + 1]], { color: r.colour, weight: 2.5, opacity: 0.8, dashArray: "7 6" })
        .bindTooltip(r.tip),
      arrow: L.marker([a.lat, a.lon], {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: "ev-arrow", iconSize: [16, 16], iconAnchor: [8, 8],
                          html: '<div style="transform:rotate(' + a.angle + 'deg);color:' + r.colour + '">&#10148;</div>' })
      })
    });
  });
});
function drawLegs() {
  routes.clearLayers();
  arrows.clearLayers();
  legs.forEach(function (leg) {
    if (!leg.ends.every(function (id) { return byId[id] && visible(byId[id]); })) return;
    leg.line.addTo(routes);
    leg.arrow.addTo(arrows);
  });
}
if (cfg.routes.length) routes.addTo(map);
// Arrows only from zoom 5, and only while the routes layer is on: at world scale they are clutter.
function syncArrows() {
  var want = map.hasLayer(routes) && map.getZoom() >= 5;
  if (want && !map.hasLayer(arrows)) arrows.addTo(map);
  if (!want && map.hasLayer(arrows)) map.removeLayer(arrows);
}
map.on("zoomend overlayadd overlayremove", syncArrows);

// Filtering by the timeline and by types toggled in the legend; one function redraws everything.
var hidden = {}, days = all.map(function (m) { return m.ev.start; }).filter(function (d) { return d !== null; });
days.sort(function (a, b) { return a - b; });
// The slider starts at the 2nd percentile so one stray old date does not stretch it over years;
// earlier events stay visible from the first step.
var first = days.length ? days[days.length >= 50 ? Math.floor(days.length * 0.02) : 0] : null;
var last = days.length ? days[days.length - 1] : null;
var current = last;
function visible(m) {
  if (hidden[m.ev.type]) return false;
  return current === null || m.ev.start === null || m.ev.start <= current;
}
function refresh() {
  var shown = all.filter(visible);
  drawLegs();
  cluster.clearLayers();
  if (hasCluster) cluster.addLayers(shown); else shown.forEach(function (m) { cluster.addLayer(m); });
  if (heat) heat.setLatLngs(cfg.cells.length
    ? cfg.cells.map(function (c) { return [c.lat, c.lon, c.n]; })
    : shown.map(function (m) { return [m.ev.lat, m.ev.lon, 1]; }));
  var n = cfg.cells.length ? cfg.cells.reduce(function (s, c) { return s + c.n; }, 0) : shown.length;
  container.setAttribute("data-events-shown", String(n));
  if (label) label.innerHTML = (current === null ? "" : fmt(current) + " · ") + shown.length + " of " + all.length + " " + (O.unit || "events");
  return shown;
}
function fmt(day) { return new Date(day * DAY).toISOString().slice(0, 10); }

// Legend (bottom right): icon, label and count per type present; a click hides or shows that type.
var legend = L.control({ position: "bottomright" });
legend.onAdd = function () {
  var div = L.DomUtil.create("div", "ev-legend"), counts = {};
  all.forEach(function (m) { counts[m.ev.type] = (counts[m.ev.type] || 0) + 1; });
  cfg.cells.forEach(function (c) {
    Object.keys(c.counts).forEach(function (t) { counts[t] = (counts[t] || 0) + c.counts[t]; });
  });
  var html = '<div class="ev-legend-title">Event types</div>';
  Object.keys(T).forEach(function (t) {
    if (!counts[t]) return;
    html += '<div class="ev-legend-row" data-type="' + t + '"><span class="ev-pin ev-small" style="--c:' + T[t].colour +
      '">' + T[t].svg + "</span><span>" + T[t].label + '</span><span class="ev-count">' + counts[t] + "</span></div>";
  });
  if (!Object.keys(counts).length) html += '<div class="ev-muted">No events match the filters</div>';
  html += '<div class="ev-legend-key"><span class="ev-pin ev-small ev-coarse" style="--c:#777"></span>' +
    "region or country only</div>";
  if (cfg.routes.length) html += '<div class="ev-legend-key"><span class="ev-route-key"></span>sequence in one article</div>';
  if (O.note) html += '<div class="ev-legend-note">Aggregated: ' + O.note + "</div>";
  div.innerHTML = html;
  L.DomEvent.disableClickPropagation(div);
  L.DomEvent.disableScrollPropagation(div);
  // The title folds the legend away (and back), so nothing it covers is out of reach.
  var title = div.querySelector(".ev-legend-title");
  title.setAttribute("role", "button");
  title.setAttribute("title", "Fold or unfold the legend");
  title.addEventListener("click", function () { div.classList.toggle("ev-folded"); clear(); });
  div.querySelectorAll(".ev-legend-row").forEach(function (row) {
    row.addEventListener("click", function () {
      var t = row.getAttribute("data-type");
      hidden[t] = !hidden[t];
      row.classList.toggle("ev-off", !!hidden[t]);
      refresh();
    });
  });
  return div;
};
legend.addTo(map);

// Timeline (bottom left): a slider over days and a play button; it shows the events up to that day.
// Own code rather than folium's Timeline plugin: leaflet.timeline and moment.js ship in no Python package,
// and this slider filters the clustered markers and the heat layer together.
var label = null, playing = null;
if (O.timeline && first !== null && last > first) {
  var tl = L.control({ position: "bottomleft" });
  tl.onAdd = function () {
    var div = L.DomUtil.create("div", "ev-timeline");
    div.innerHTML = '<button class="ev-play" title="Play the events through time" aria-label="Play">&#9654;</button>' +
      '<input class="ev-range" type="range" min="' + first + '" max="' + last + '" value="' + last + '" step="1" aria-label="Show events up to this day">' +
      '<div class="ev-tl-label"></div>';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var range = div.querySelector(".ev-range"), btn = div.querySelector(".ev-play");
    label = div.querySelector(".ev-tl-label");
    range.addEventListener("input", function () { current = +range.value; refresh(); });
    function stop() { clearInterval(playing); playing = null; btn.innerHTML = "&#9654;"; }
    btn.addEventListener("click", function () {
      if (playing) return stop();
      if (current >= last) current = first;
      var step = Math.max(1, Math.round((last - first) / 120));
      btn.innerHTML = "&#10074;&#10074;";
      playing = setInterval(function () {
        current = Math.min(last, current + step);
        range.value = current;
        refresh();
        if (current >= last) stop();
      }, 90);
    });
    return div;
  };
  tl.addTo(map);
}

// Presentation story: a large card stepping through the events in date order.
var order = all.slice().sort(function (a, b) {
  return (a.ev.start === null) - (b.ev.start === null) || (a.ev.start - b.ev.start) ||
    (a.ev.article < b.ev.article ? -1 : a.ev.article > b.ev.article ? 1 : a.ev.seq - b.ev.seq);
});
var active = null;
function mark(m) {  // a pulsing ring on the event being told, drawn above its neighbours
  if (active && active._icon) { active._icon.classList.remove("ev-active"); active.setZIndexOffset(0); }
  active = m;
  if (m && m._icon) { m._icon.classList.add("ev-active"); m.setZIndexOffset(1000); }
}
function show(m, quiet) {
  if (!m) return;
  var open = function () { if (quiet) mark(m); else m.openPopup(); };
  if (hasCluster && cluster.hasLayer(m)) cluster.zoomToShowLayer(m, open);
  else { map.setView(m.getLatLng(), Math.max(map.getZoom(), 7)); open(); }
}
if (O.story && order.length) {
  var idx = -1, story = L.control({ position: "topright" });
  story.onAdd = function () {
    var div = L.DomUtil.create("div", "ev-story");
    div.innerHTML = '<div class="ev-story-body"><div class="ev-story-title">' + (O.title || "The story in order") +
      '</div><div class="ev-story-sentence">' + order.length + " events, in date order. Press Next or the right arrow key.</div></div>" +
      '<div class="ev-story-nav"><button class="ev-prev">&#8592; Prev</button><span class="ev-step">0 / ' + order.length +
      '</span><button class="ev-next">Next &#8594;</button></div>';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var body = div.querySelector(".ev-story-body"), step = div.querySelector(".ev-step");
    function go(i) {
      idx = Math.max(0, Math.min(order.length - 1, i));
      var m = order[idx];
      body.innerHTML = withIcon(m.ev.story, m.ev.type);
      step.textContent = (idx + 1) + " / " + order.length;
      map.closePopup();
      map.flyTo(m.getLatLng(), 7, { duration: 0.8 });
      map.once("moveend", function () { show(m, true); });
    }
    div.querySelector(".ev-prev").addEventListener("click", function () { go(idx - 1); });
    div.querySelector(".ev-next").addEventListener("click", function () { go(idx + 1); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowRight") go(idx + 1);
      if (ev.key === "ArrowLeft") go(idx - 1);
    });
    return div;
  };
  story.addTo(map);
}

// Layers menu, then the first view: the focused event, or all events.
var overlays = { "Events": cluster, "Routes (article sequences)": routes, "Korean DMZ / MDL": dmz, "Country outlines": land };
if (heat) overlays["Heat map"] = heat;
if (cfg.cells.length) overlays["Aggregated cells"] = cells;
L.control.layers(bases, overlays, { collapsed: true, position: "topleft" }).addTo(map);
// The margins the controls take at each corner: the first view and every popup keep clear of them.
function clear() {
  var size = map.getSize();
  function box(sel) {
    var el = container.querySelector(sel);
    return el && el.offsetWidth ? { w: el.offsetWidth + 20, h: el.offsetHeight + 20 } : { w: 12, h: 12 };
  }
  var legendBox = box(".ev-legend"), time = box(".ev-timeline"), layers = box(".leaflet-control-layers"),
      storyBox = box(".ev-story"), zoom = box(".leaflet-control-zoom");
  // Keep at least half the map: a control as big as the map is folded (the legend) or covers part of it.
  padTL.x = Math.min(Math.max(layers.w, zoom.w), size.x / 4);
  padTL.y = Math.min(Math.max(storyBox.h, layers.h + zoom.h), size.y / 3);
  padBR.x = Math.min(legendBox.w, size.x / 3);
  padBR.y = Math.min(Math.max(time.h, 12), size.y / 4);
}
var legendDiv = container.querySelector(".ev-legend");
if (legendDiv && (legendDiv.offsetHeight > map.getSize().y * 0.6 || legendDiv.offsetWidth > map.getSize().x * 0.3)) {
  legendDiv.classList.add("ev-folded");  // a small map: the legend folds to its title, a click unfolds it
}
clear();
var bounds = cfg.cells.length ? cells.getBounds() : L.latLngBounds(all.map(function (m) { return m.getLatLng(); }));
if (bounds.isValid()) {
  map.fitBounds(bounds.pad(0.05), { maxZoom: 7, paddingTopLeft: padTL, paddingBottomRight: padBR, animate: false });
}
map.on("resize", clear);
// The markers go in once the view is set, so the clusters are built at its zoom, not re-split in an animation.
refresh();
syncArrows();
if (O.focus && byId[O.focus]) setTimeout(function () { show(byId[O.focus]); }, 300);
// A handle for scripts (screenshots, tests): open one event by id.
window.eventsMap = {
  map: map, ids: Object.keys(byId),
  show: function (id) { show(byId[id]); },
  open: function (id) { if (byId[id]) byId[id].openPopup(); },
  event: function (id) { return byId[id] && byId[id].ev; },
  visible: function () { return Object.keys(byId).filter(function (id) { return !!byId[id]._icon; }); }
};
