/* Draws the tracker's maps (portfolio and project page) from a JSON block embedded in the page.
 * User text (names, 街道) only ever reaches the page through textContent: never innerHTML, never eval. */
(function () {
  "use strict";

  var HEALTH_CSS = ["ok", "risk", "late", "done", "idle"];
  var PRECISION_TEXT = {
    site: "准确位置",
    road: "道路围合估计（大致位置）",
    subdistrict: "街道中心（非实际选址）"
  };
  // Static markup only (no data): a pin for a surveyed site, a dot for a road-bounded estimate,
  // a hollow dashed ring marked 街 for a 街道 centre.
  var ICON = {
    site: { html: '<span class="tm-pin"></span>', size: [24, 32], anchor: [12, 31], popup: [0, -28] },
    road: { html: '<span class="tm-dot"></span>', size: [18, 18], anchor: [9, 9], popup: [0, -8] },
    subdistrict: { html: '<span class="tm-ring">街</span>', size: [26, 26], anchor: [13, 13], popup: [0, -12] }
  };
  var iconCache = {};

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function readData(id) {
    var node = document.getElementById(id);
    return JSON.parse(node ? node.textContent : "{}");
  }

  function number(n) {
    return n === null || n === undefined ? "" : Number(n).toLocaleString("zh-CN");
  }

  function icon(precision, health) {
    var key = precision + health;
    if (!iconCache[key]) {
      var spec = ICON[precision];
      iconCache[key] = L.divIcon({
        className: "tm-marker tm-" + precision + " tm-h-" + HEALTH_CSS[health],
        html: spec.html,
        iconSize: spec.size,
        iconAnchor: spec.anchor,
        popupAnchor: spec.popup
      });
    }
    return iconCache[key];
  }

  function decode(data) {
    var s = data.strings;
    return data.projects.map(function (r) {
      return {
        code: r[0], name: r[1], stage: s[r[2]], classes: r[3], seatsTotal: r[4], seatsAdded: r[5],
        totalYi: r[6], period: s[r[7]], nextMilestone: s[r[8]], nextDue: r[9],
        health: r[10], precision: data.precision[r[11]], lat: r[12], lon: r[13]
      };
    });
  }

  function row(list, label, value) {
    list.appendChild(el("dt", null, label));
    list.appendChild(el("dd", null, value === "" || value === null ? "—" : value));
  }

  function projectPopup(p, data) {
    var box = el("div", "tm-popup");
    var title = el("a", "tm-popup-title", p.name);
    title.href = data.project_url.replace("__CODE__", encodeURIComponent(p.code));
    box.appendChild(title);
    var list = el("dl");
    row(list, "学段", p.stage);
    var scale = p.classes === null ? "班数未写明" : p.classes + " 班";
    if (p.seatsTotal !== null) {
      scale += "，" + number(p.seatsTotal) + " 个学位";
      if (p.seatsAdded !== null && p.seatsAdded !== p.seatsTotal) scale += "（新增 " + number(p.seatsAdded) + "）";
    }
    row(list, "规模", scale);
    row(list, "总投资", p.totalYi ? p.totalYi + " 亿元" : "");
    row(list, "项目期限", p.period);
    row(list, "下一节点", p.nextMilestone ? p.nextMilestone + (p.nextDue ? "（" + p.nextDue + "）" : "") : "");
    row(list, "进度", data.health[p.health]);
    row(list, "定位", PRECISION_TEXT[p.precision]);
    box.appendChild(list);
    var link = el("a", "tm-popup-link", "打开项目页 →");
    link.href = title.href;
    box.appendChild(link);
    return box;
  }

  function areaPopup(a, data) {
    var box = el("div", "tm-popup");
    box.appendChild(el("strong", "tm-popup-title", a.name + (a.district ? "（" + a.district + "）" : "")));
    var list = el("dl");
    row(list, "项目", a.count + " 个");
    row(list, "总投资", a.total_yi + " 亿元");
    row(list, "规划期投资", a.window_yi + " 亿元");
    row(list, "新增学位", number(a.seats) + " 个");
    row(list, "班数", number(a.classes) + " 班");
    var parts = [];
    a.health.forEach(function (n, i) { if (n) parts.push(data.health[i] + " " + n); });
    row(list, "进度", parts.join("，"));
    box.appendChild(list);
    box.appendChild(el("p", "tm-note",
      (data.size_by === "seats" ? "圆圈面积按新增学位" : "圆圈面积按总投资") + "；" +
      (a.centre ? "位置为街道中心" : "位置为该街道项目的平均位置")));
    return box;
  }

  function showTileErrors(map, dataId) {
    var notice = document.getElementById(dataId + "-tile-notice");
    if (!notice) return;
    map.eachLayer(function (layer) {
      if (layer instanceof L.TileLayer) {
        layer.on("tileerror", function () { notice.hidden = false; });
      }
    });
  }

  function addLegend(map, dataId) {
    var legend = document.getElementById(dataId + "-legend");
    if (!legend) return;
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      legend.hidden = false;
      L.DomEvent.disableClickPropagation(legend);
      L.DomEvent.disableScrollPropagation(legend);
      return legend;
    };
    control.addTo(map);
  }

  function clusterIcon(cluster) {
    var late = 0, risk = 0;
    var children = cluster.getAllChildMarkers();
    for (var i = 0; i < children.length; i++) {
      var h = children[i].project.health;
      if (h === 2) late++; else if (h === 1) risk++;
    }
    var n = cluster.getChildCount();
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    var html = "<div><span>" + n + "</span></div>";
    if (late) html += '<b class="tm-badge" title="逾期">' + late + "</b>";
    return L.divIcon({
      html: html,
      className: "marker-cluster marker-cluster-" + size + (late ? " tm-cl-late" : risk ? " tm-cl-risk" : ""),
      iconSize: L.point(40, 40)
    });
  }

  function markReady(map, state) {
    state.ready = true;
    state.readyAt = performance.now(); // ms since navigation start (the benchmark reads it)
    map.getContainer().classList.add("tm-ready");
  }

  function portfolio(map, dataId) {
    var data = readData(dataId);
    var projects = decode(data);
    var state = { map: map, markers: {}, ready: false, count: projects.length };
    TrackerMap.state = state;
    var popup = L.popup({ maxWidth: 340, autoPanPadding: [30, 30] });

    function openProject(marker) {
      var spec = ICON[marker.project.precision];
      popup.options.offset = L.point(spec.popup[0], spec.popup[1]);
      popup.setLatLng(marker.getLatLng()).setContent(projectPopup(marker.project, data)).openOn(map);
    }
    state.open = function (code) {
      var marker = state.markers[code];
      if (marker) state.cluster.zoomToShowLayer(marker, function () { openProject(marker); });
      return !!marker;
    };

    var markers = projects.map(function (p) {
      var m = L.marker([p.lat, p.lon], { icon: icon(p.precision, p.health), keyboard: true });
      m.project = p;
      state.markers[p.code] = m;
      return m;
    });
    var cluster = L.markerClusterGroup({
      chunkedLoading: true,
      chunkDelay: 5,
      showCoverageOnHover: false,
      maxClusterRadius: 45,
      spiderfyOnMaxZoom: true,
      iconCreateFunction: clusterIcon,
      chunkProgress: function (done, total) { if (done === total) markReady(map, state); }
    });
    state.cluster = cluster;
    cluster.on("click", function (e) { openProject(e.layer); });

    var areas = L.featureGroup();
    data.areas.forEach(function (a) {
      L.circleMarker(a.at, {
        radius: a.r, color: "#1f4e79", weight: 2, opacity: 0.8,
        fillColor: "#1f4e79", fillOpacity: 0.12, dashArray: a.centre ? null : "5 4"
      }).on("click", function (e) {
        popup.options.offset = L.point(0, 0);
        popup.setLatLng(e.latlng).setContent(areaPopup(a, data)).openOn(map);
      }).addTo(areas);
    });
    areas.addTo(map);
    cluster.addTo(map);

    var overlays = {};
    overlays["项目（" + projects.length + " 个）"] = cluster;
    overlays["街道汇总（" + data.areas.length + " 个）"] = areas;
    L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
    addLegend(map, dataId);
    showTileErrors(map, dataId);

    if (projects.length) {
      var bounds = L.latLngBounds(projects.map(function (p) { return [p.lat, p.lon]; }));
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    }
    if (markers.length) {
      cluster.addLayers(markers);
    } else {
      markReady(map, state);
    }
    if (data.focus) {
      var focusWhenReady = function () {
        if (state.ready) { state.open(data.focus); } else { setTimeout(focusWhenReady, 50); }
      };
      focusWhenReady();
    }
  }

  function project(map, dataId) {
    var data = readData(dataId);
    var projects = decode(data);
    var state = { map: map, markers: {}, ready: false, count: projects.length };
    TrackerMap.state = state;
    projects.forEach(function (p) {
      var m = L.marker([p.lat, p.lon], { icon: icon(p.precision, p.health), keyboard: false }).addTo(map);
      m.bindTooltip(function () { return el("span", null, PRECISION_TEXT[p.precision]); },
        { permanent: true, direction: "right", offset: [12, 0] });
      state.markers[p.code] = m;
    });
    showTileErrors(map, dataId);
    var edit = data.edit;
    if (edit) {
      var form = document.getElementById(edit.form_id);
      var field = function (name) { return form.querySelector("[name=" + name + "]"); };
      var pending = null;
      map.getContainer().classList.add("tm-editable");
      map.on("click", function (e) {
        field("lat").value = e.latlng.lat.toFixed(6);
        field("lon").value = e.latlng.lng.toFixed(6);
        field("datum").value = data.datum;
        field("origin").value = "click";
        if (pending) map.removeLayer(pending);
        pending = L.marker(e.latlng, { icon: icon("site", 4), keyboard: false }).addTo(map);
        pending.bindTooltip("新位置（尚未保存）", { permanent: true, direction: "right", offset: [12, -14] });
      });
      ["lat", "lon", "datum"].forEach(function (name) {
        field(name).addEventListener("input", function () { field("origin").value = "typed"; });
      });
    }
    markReady(map, state);
  }

  window.TrackerMap = { portfolio: portfolio, project: project, state: null };
})();
