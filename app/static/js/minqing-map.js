// Data layers for the Folium-made Leaflet maps.
// The page hands the data over as JSON; Folium would re-parse every layer it
// embeds as a Jinja template, which costs more than the rest of the page.
(function () {
  "use strict";

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  }

  // `labels` is a list of [property, label] pairs: the rows keep the registry's order.
  function rows(properties, labels) {
    return labels
      .filter(([key]) => properties[key] !== undefined && properties[key] !== null)
      .map(([key, label]) => "<tr><th>" + escape(label) + "</th><td>" + escape(properties[key]) + "</td></tr>")
      .join("");
  }

  function link(template, code) {
    return template.replace("{code}", encodeURIComponent(code));
  }

  // Outlines with a name at properties.label_x/label_y linking to `href` (and `query()`, the map's
  // indicator and classes, kept current by the switch in choropleth.js); the lines never take the mouse.
  function outlines(map, collection, href, query) {
    const group = L.layerGroup().addTo(map);
    L.geoJSON(collection, { style: { fill: false, color: "#333333", weight: 2 }, interactive: false }).addTo(group);
    for (const f of collection.features) {
      const to = link(href, f.properties.code);
      const html = '<a href="' + escape(to + "?" + query()) + '" data-mq-href="' + escape(to) + '">' +
        escape(f.properties.name) + "</a>";
      L.marker([f.properties.label_y, f.properties.label_x], {
        icon: L.divIcon({ className: "mq-label", html: html, iconSize: null }),
      }).addTo(group);
    }
    return group;
  }

  // A natural village bold, its neighbours thin and named.
  function village(map, collection) {
    return L.geoJSON(collection, {
      style: (f) => (f.properties.own
        ? { fill: false, color: "#8c1d18", weight: 3 }
        : { fill: false, color: "#777777", weight: 1, dashArray: "4 3" }),
      onEachFeature: (f, item) => { if (!f.properties.own) item.bindTooltip(escape(f.properties.name)); },
    }).addTo(map);
  }

  // Households as numbered markers with one coloured chip per flag; a layer control
  // switches each flag's chips; a popup shows the card as the role allows.
  function households(map, collection, flags, labels, card) {
    const byKey = Object.fromEntries(flags.map((f) => [f.key, f]));
    const style = document.createElement("style");
    style.textContent = flags.map((f) => ".mq-hide-" + f.key + " .mq-f-" + f.key + " { display: none !important; }").join("\n");
    document.head.appendChild(style);

    // A flag's chip: its colour and its mark (贫, 童 …), told apart without colour too, as on prints.
    function chip(flag, attributes) {
      return '<i class="mq-mark' + (attributes || "") + '" style="background:' + flag.color + ";color:" + flag.ink +
        '" title="' + escape(flag.label) + '">' + escape(flag.mark) + "</i>";
    }

    function icon(p) {
      const chips = (p.flags || []).map((key) => chip(byKey[key], " mq-f-" + key));
      return L.divIcon({ className: "mq-house", html: "<b>" + escape(p.code.slice(-3)) + "</b>" + chips.join(""), iconSize: null });
    }

    function popup(p) {
      const chips = (p.flags || []).map((key) =>
        '<span class="mq-chip" style="border-color:' + byKey[key].color + '">' + chip(byKey[key]) + " " + escape(byKey[key].label) + "</span>");
      return '<table class="mq-card">' + rows(p, labels) + "</table><p>" + chips.join(" ") + '</p><p><a href="' +
        escape(link(card.href, p.code)) + '">' + escape(card.text) + "</a></p>";
    }

    const layer = L.geoJSON(collection, {
      pointToLayer: (f, latlng) => L.marker(latlng, { icon: icon(f.properties), title: f.properties.code }),
      onEachFeature: (f, marker) => marker.bindPopup(popup(f.properties)),
    }).addTo(map);

    // Hamlets fill a small part of their land: open on the houses, not the whole polygon.
    if (layer.getLayers().length) map.fitBounds(layer.getBounds().pad(0.15), { maxZoom: 18, animate: false });

    const overlays = {};
    for (const flag of flags) {
      const toggle = L.layerGroup();
      toggle.on("add", () => map.getContainer().classList.remove("mq-hide-" + flag.key));
      toggle.on("remove", () => map.getContainer().classList.add("mq-hide-" + flag.key));
      overlays[chip(flag) + " " + escape(flag.label)] = toggle.addTo(map);
    }
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    return layer;
  }

  // Household points from the vector tiles, from `minZoom` on. The server sends only the points and
  // flags the role may see; a click offers the household's card.
  function householdTiles(map, url, flags, minZoom, card) {
    // Leaflet.VectorGrid 1.3 calls L.DomEvent.fakeStop on click, which Leaflet 1.9 no longer has.
    L.DomEvent.fakeStop = L.DomEvent.fakeStop || L.DomEvent.stopPropagation;
    // A house as on the natural-village map and the prints: a dot, then a chip per flag in the flag's
    // colour carrying its mark, so flags are told apart without colour. One icon per combination.
    const icons = {};
    const icon = (p) => {
      const on = flags.filter((f) => p[f.key]);
      const key = on.map((f) => f.key).join(",");
      if (!(key in icons)) {
        const width = 11 + 11 * on.length;
        let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="12">` +
          '<circle cx="5.5" cy="6" r="4" fill="#a50f15" stroke="#ffffff" stroke-width="1"/>';
        on.forEach((f, i) => {
          const x = 11 + 11 * i;
          svg += `<rect x="${x}" y="1" width="10" height="10" fill="${f.color}" stroke="#ffffff" stroke-width="0.5"/>` +
            `<text x="${x + 5}" y="9.3" font-size="8.5" text-anchor="middle" fill="${f.ink}" ` +
            `font-family="WenQuanYi Zen Hei, Noto Sans CJK SC, sans-serif">${f.mark}</text>`;
        });
        icons[key] = L.icon({
          iconUrl: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg + "</svg>"),
          iconSize: [width, 12],
          iconAnchor: [5.5, 6],
        });
      }
      return icons[key];
    };
    const layer = L.vectorGrid.protobuf(url, {
      rendererFactory: L.canvas.tile,
      interactive: true,
      maxNativeZoom: 20,
      vectorTileLayerStyles: {
        natural_villages: [],
        households: (p) => ({ icon: icon(p) }),
      },
      getFeatureId: (f) => f.properties.code,
    });
    layer.on("click", (e) => {
      const code = e.layer.properties.code;
      L.popup().setLatLng(e.latlng)
        .setContent('<a href="' + escape(link(card.href, code)) + '">' + escape(code) + "</a>").openOn(map);
    });
    // Shown from `minZoom` on. Not the layer's own minZoom option: Leaflet would make it the map's.
    const follow = () => {
      if (map.getZoom() >= minZoom) layer.addTo(map);
      else layer.remove();
    };
    map.on("zoomend", follow);
    follow();
    return layer;
  }

  // The pairing map: households as dots coloured by pairing status (`legend`: status, color, label),
  // a line from each helper's point to each household paired with them now; a popup offers the card.
  function pairing(map, collection, helpers, legend, card) {
    const at = Object.fromEntries(collection.features.map((f) => [f.properties.code, f.geometry.coordinates]));
    for (const helper of helpers) {
      for (const code of helper.households) {
        if (!at[code]) continue;
        L.polyline([[helper.lat, helper.lon], [at[code][1], at[code][0]]],
          { className: "mq-pair-line", color: "#555555", weight: 1, opacity: 0.7, interactive: false }).addTo(map);
      }
      L.circleMarker([helper.lat, helper.lon], { className: "mq-helper", radius: 7, color: "#000000", weight: 2, fillColor: "#ffffff", fillOpacity: 1 })
        .bindTooltip(escape(helper.name)).addTo(map);
    }
    return statusPoints(map, collection, legend, card, "mq-pair");
  }

  // Households as points coloured by their `status` (a legend entry's), each with a link to its card.
  function statusPoints(map, collection, legend, card, prefix) {
    const byStatus = Object.fromEntries(legend.map((l) => [l.status, l]));
    const layer = L.geoJSON(collection, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        className: prefix + " " + prefix + "-" + f.properties.status, radius: 6, color: "#333333", weight: 1,
        fillColor: byStatus[f.properties.status].color, fillOpacity: 0.9,
      }),
      onEachFeature: (f, marker) => marker.bindPopup("<p><b>" + escape(f.properties.code) + "</b> " +
        escape(f.properties.head_name || "") + "</p><p>" + escape(byStatus[f.properties.status].label) +
        '</p><p><a href="' + escape(link(card.href, f.properties.code)) + '">' + escape(card.text) + "</a></p>"),
    }).addTo(map);
    if (layer.getLayers().length) map.fitBounds(layer.getBounds().pad(0.1), { animate: false });
    return layer;
  }

  // An overview in the corner: the county's townships, since the map may have no basemap.
  function minimap(map, collection) {
    const layer = L.geoJSON(collection, { style: { color: "#8c1d18", weight: 1, fillOpacity: 0.05 }, interactive: false });
    return new L.Control.MiniMap(layer, { toggleDisplay: true, zoomLevelOffset: -4, width: 140, height: 140 }).addTo(map);
  }

  // People's demands (#12) as points coloured by state; an overdue one has a thick red ring.
  function demands(map, collection, legend) {
    const colour = Object.fromEntries(legend.states.map((s) => [s.state, s.color]));
    const label = Object.fromEntries(legend.states.map((s) => [s.state, s.label]));
    const layer = L.geoJSON(collection, {
      pointToLayer: (feature, latlng) => {
        const p = feature.properties;
        return L.circleMarker(latlng, {
          radius: 7, fillColor: colour[p.state], fillOpacity: 0.9,
          color: p.overdue ? "#b3261e" : "#333333", weight: p.overdue ? 4 : 1, className: "mq-demand mq-demand-" + p.state,
        }).bindPopup('<a href="' + escape(legend.href + p.id) + '">' + escape(legend.title + " " + p.id) + "</a><br>" +
          escape(p.kind) + " · " + escape(label[p.state]) + (p.overdue ? " · <b>" + escape(legend.overdue) + "</b>" : ""));
      },
    }).addTo(map);
    L.control.layers(null, { [escape(legend.title)]: layer }, { collapsed: false }).addTo(map);
    return layer;
  }

  // People's demands on the area maps (#12), from their vector tiles: a circle per natural village
  // sized by the demands matching the form's filters (red when some are overdue), and from
  // `options.min_zoom` a point per demand the reader may read, coloured by state, overdue ones ringed.
  // The form toggles and filters the layer; the page's URL follows it, so a filtered map can be shared.
  function demandTiles(map, formId, options) {
    L.DomEvent.fakeStop = L.DomEvent.fakeStop || L.DomEvent.stopPropagation;
    const form = document.getElementById(formId);
    const names = Object.keys(options.filters);
    const text = options.text;
    const overdue = (p) => (p.overdue ? " mq-demand-overdue" : "");
    const styles = {
      demand_counts: (p) => ({
        radius: 4 + 3 * Math.sqrt(p.demands || 1), fill: true, fillOpacity: 0.55, weight: 1,
        fillColor: p.overdue ? "#b3261e" : "#d9822b", color: p.overdue ? "#b3261e" : "#7a4a14",
        className: "mq-demand-count" + overdue(p),
      }),
      demands: (p) => ({
        radius: 6, fill: true, fillOpacity: 0.9, fillColor: options.colours[p.state],
        color: p.overdue ? "#b3261e" : "#333333", weight: p.overdue ? 4 : 1,
        className: "mq-demand-point mq-demand-" + p.state + overdue(p),
      }),
    };
    const count = (p, key) => (p[key + "_suppressed"] ? text.withheld : (p[key] ?? 0));
    const popup = (p) => (p.code
      ? "<b>" + escape(p.name) + "</b><br>" + escape(text.title) + " " + escape(count(p, "demands")) + " · " +
        escape(text.open) + " " + escape(count(p, "open")) + " · " + escape(text.overdue) + " " + escape(count(p, "overdue"))
      : '<a href="' + escape(options.href + p.fid) + '">' + escape(text.title + " " + p.fid) + "</a>" +
        (p.overdue ? " · <b>" + escape(text.overdue) + "</b>" : ""));
    let layer = null;
    const show = () => {
      if (layer) layer.remove();
      layer = null;
      const query = new URLSearchParams();
      for (const name of names) if (form.elements[name].value.trim()) query.set(name, form.elements[name].value.trim());
      const page = new URLSearchParams(window.location.search);
      for (const name of ["demands", ...names]) page.delete(name);
      if (form.elements.demands.checked) {
        const url = options.url + (query.toString() ? "?" + query : "");
        layer = L.vectorGrid.protobuf(url, {
          rendererFactory: L.svg.tile, interactive: true, maxNativeZoom: 20, vectorTileLayerStyles: styles,
          getFeatureId: (f) => f.properties.fid,
        }).addTo(map);
        layer.on("click", (e) => L.popup().setLatLng(e.latlng).setContent(popup(e.layer.properties)).openOn(map));
        page.set("demands", "1");
        query.forEach((value, name) => page.set(name, value));
      }
      window.history.replaceState(null, "", window.location.pathname + (page.toString() ? "?" + page : ""));
      // Choosing another indicator keeps the demand layer as it is: the other forms carry it along.
      for (const other of document.querySelectorAll("form.choose:not(#" + formId + ")")) {
        other.querySelectorAll("input.mq-demand-carried").forEach((input) => input.remove());
        page.forEach((value, name) => {
          if (name !== "demands" && !names.includes(name)) return;
          const input = Object.assign(document.createElement("input"), { type: "hidden", name, value });
          input.className = "mq-demand-carried";
          other.append(input);
        });
      }
    };
    form.addEventListener("change", show);
    form.addEventListener("submit", (e) => { e.preventDefault(); show(); });
    show();
    return form;
  }

  function data(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  window.MinqingMap = {
    outlines, village, households, householdTiles, pairing, statusPoints, minimap, demands, demandTiles, data,
    escape, link,
  };
})();
