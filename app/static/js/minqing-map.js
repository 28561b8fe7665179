// Data layers for the Folium-made Leaflet maps.
// The page hands the data over as JSON; Folium would re-parse every layer it
// embeds as a Jinja template, which costs more than the rest of the page.
(function () {
  "use strict";

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  }

  function tooltip(properties, labels) {
    const rows = Object.keys(labels).map(
      (key) => "<tr><th>" + escape(labels[key]) + "</th><td>" + escape(properties[key]) + "</td></tr>"
    );
    return '<table class="mq-tip">' + rows.join("") + "</table>";
  }

  // Areas filled with properties.fill; hover shows `labels` (property -> label).
  function choropleth(map, collection, labels) {
    const layer = L.geoJSON(collection, {
      style: (f) => ({ fillColor: f.properties.fill, fillOpacity: 0.8, color: "#ffffff", weight: 0.5 }),
      onEachFeature: (feature, item) => {
        item.bindTooltip(tooltip(feature.properties, labels), { sticky: true });
        item.on({
          mouseover: (e) => e.target.setStyle({ weight: 2, color: "#000000" }).bringToFront(),
          mouseout: (e) => layer.resetStyle(e.target),
        });
      },
    });
    return layer.addTo(map);
  }

  // Outlines with a name at properties.label_x/label_y; drawn over the areas, never in the way of the mouse.
  function outlines(map, collection) {
    const group = L.layerGroup().addTo(map);
    L.geoJSON(collection, { style: { fill: false, color: "#333333", weight: 2 }, interactive: false }).addTo(group);
    for (const f of collection.features) {
      const icon = L.divIcon({ className: "mq-label", html: escape(f.properties.name), iconSize: null });
      L.marker([f.properties.label_y, f.properties.label_x], { icon: icon, interactive: false }).addTo(group);
    }
    return group;
  }

  function data(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  window.MinqingMap = { choropleth: choropleth, outlines: outlines, data: data };
})();
