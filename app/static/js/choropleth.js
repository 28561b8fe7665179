// Area maps coloured in the page: the outlines arrive once (a URL the browser keeps until the data
// change), one indicator's values at a time
// (/areas/<code>/values.json, keyed by area code); classes are computed here as app/maps/choropleth.py
// computes them for the page's first legend, so switching indicator or classes never reloads the page.
(function () {
  "use strict";

  const NO_DATA = "#d9d9d9";
  const { escape, link } = window.MinqingMap;

  // numpy.quantile's default ("linear") on sorted values, step for step, so breaks match the server's.
  function quantile(sorted, q) {
    const n = sorted.length;
    const virtual = n * q + (1 + q * -1) - 1;
    const below = Math.max(0, Math.min(Math.floor(virtual), n - 1));
    const above = Math.min(below + 1, n - 1);
    const t = virtual - Math.floor(virtual);
    const a = sorted[below];
    const b = sorted[above];
    const diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  }

  function linspace(k) {
    const step = 1 / k;
    return Array.from({ length: k + 1 }, (_, i) => i * step);
  }

  function bisectRight(sorted, value) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (value < sorted[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  // Fisher–Jenks natural breaks, as app.maps.choropleth.natural_breaks (on 500 quantiles beyond 500 values).
  function naturalBreaks(sorted, k, sample = 500) {
    let x = sorted;
    if (x.length > sample) {
      const step = 1 / (sample - 1);
      x = Array.from({ length: sample }, (_, i) => quantile(sorted, i * step));
    }
    const n = x.length;
    k = Math.min(k, new Set(x).size);
    if (k < 2) return [];
    const s1 = [0];
    const s2 = [0];
    for (const v of x) {
      s1.push(s1[s1.length - 1] + v);
      s2.push(s2[s2.length - 1] + v * v);
    }
    const cost = Array.from({ length: k + 1 }, () => new Float64Array(n + 1).fill(Infinity));
    const start = Array.from({ length: k + 1 }, () => new Int32Array(n + 1));
    cost[0][0] = 0;
    for (let c = 1; c <= k; c++) {
      for (let j = c; j <= n; j++) {
        let best = Infinity;
        let at = c - 1;
        for (let i = c - 1; i < j; i++) {
          const total = cost[c - 1][i] + (s2[j] - s2[i]) - (s1[j] - s1[i]) ** 2 / (j - i);
          if (total < best) { best = total; at = i; }
        }
        cost[c][j] = best;
        start[c][j] = at;
      }
    }
    const cuts = [];
    let j = n;
    for (let c = k; c > 1; c--) {
      j = start[c][j];
      cuts.push(x[j]);
    }
    return cuts.sort((a, b) => a - b);
  }

  // Python's round(): halves to even, so the ramp's picks match the server's.
  function roundHalfEven(v) {
    const r = Math.round(v);
    return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  function spread(ramp, n) {
    if (n >= ramp.length) return ramp.slice();
    return Array.from({ length: n }, (_, i) => ramp[roundHalfEven((i * (ramp.length - 1)) / Math.max(n - 1, 1))]);
  }

  // At most `k` classes of `values` (null: no data) by quantiles or natural breaks, with their colours.
  function classify(ramp, values, method, k = 5) {
    const present = values.filter((v) => v !== null).sort((a, b) => a - b);
    const noData = values.length - present.length;
    if (!present.length) return { breaks: [], legend: [], noData, color: () => NO_DATA };
    const low = present[0];
    const high = present[present.length - 1];
    const cuts = method === "jenks" ? naturalBreaks(present, k) : linspace(k).slice(1, -1).map((q) => quantile(present, q));
    const breaks = [...new Set(cuts.filter((c) => low < c && c <= high))].sort((a, b) => a - b);
    const bounds = [low, ...breaks, high];
    const counts = new Array(bounds.length - 1).fill(0);
    for (const v of present) counts[bisectRight(breaks, v)]++;
    const colors = spread(ramp, bounds.length - 1);
    const legend = counts.map((count, i) => ({ color: colors[i], low: bounds[i], high: bounds[i + 1], count }));
    const color = (v) => (v === null || v === undefined ? NO_DATA : legend[bisectRight(breaks, v)].color);
    return { breaks, legend, noData, color };
  }

  const number = (v) => Math.round(v).toLocaleString("en-US");

  // A value as app.maps.choropleth.format_value writes it: a percentage, or an amount with its unit.
  function format(indicator, v) {
    if (v === null || v === undefined) return "–";
    if (indicator.kind === "share") return (v * 100).toFixed(1) + "%";
    return (number(v) + " " + indicator.unit).trim();
  }

  // The map's areas (fetched from options.switch.shapes) coloured by one indicator; `options` carries
  // the switch's URLs, registry and words. Returns the map's state: `show(indicator, classes)` redraws
  // map, legend and table in place.
  function choropleth(map, values, options, rows) {
    window.MinqingMap.map = map;
    const sw = options.switch;
    const text = sw.text;
    const state = { indicator: options.indicator, classes: options.classes, areas: values.areas };
    let classes = null;
    // A past view (#13) keeps its day (`sw.past`: "&as_of=…" or "") in its links and value requests.
    const query = () => "indicator=" + encodeURIComponent(state.indicator) + "&classes=" + encodeURIComponent(state.classes) + sw.past;
    const valueOf = (code) => (state.areas[code] ? state.areas[code][0] : null);
    const opacity = () => (options.fadeFrom && map.getZoom() >= options.fadeFrom ? 0.3 : 0.8);
    const style = (f) => ({ fillColor: classes.color(valueOf(f.properties.code)), fillOpacity: opacity(), color: "#ffffff", weight: 0.5 });

    function tooltip(p) {
      const indicator = sw.indicators[state.indicator];
      const figures = state.areas[p.code];
      let shown = text.withheld;
      if (figures) {
        shown = format(indicator, figures[0]);
        if (indicator.kind === "share" && figures[1] !== null) shown = number(figures[1]) + " (" + shown + ")";
      }
      const cells = [[text.name, p.name], [text.households, number(p.households)], [indicator.label, shown]];
      return '<table class="mq-tip">' + cells.map(([k, v]) => "<tr><th>" + escape(k) + "</th><td>" + escape(v) + "</td></tr>").join("") + "</table>";
    }

    classes = classify(sw.indicators[state.indicator].colors, Object.values(state.areas).map((f) => (f ? f[0] : null)), state.classes);
    let layer = null;
    const ready = fetch(sw.shapes, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then((response) => {
        if (!response.ok) throw new Error(response.status + " " + response.url);
        return response.json();
      })
      .then((collection) => {
        layer = L.geoJSON(collection, {
          style,
          onEachFeature: (feature, item) => {
            item.bindTooltip(() => tooltip(feature.properties), { sticky: true });
            item.on({
              mouseover: (e) => e.target.setStyle({ weight: 2, color: "#000000" }).bringToFront(),
              mouseout: (e) => layer.resetStyle(e.target),
              click: () => { window.location.href = link(options.href, feature.properties.code) + "?" + query(); },
            });
          },
        });
        map.on("zoomend", () => layer.setStyle({ fillOpacity: opacity() }));
        layer.addTo(map);
        layer.bringToBack();
      });

    function legend(indicator) {
      const section = document.getElementById("mq-legend");
      if (!section) return;
      const item = (swatch, label, n) => {
        const li = document.createElement("li");
        li.innerHTML = '<span class="swatch' + (swatch ? "" : " nodata") + '"></span> ' + escape(label) +
          ' <span class="n">(' + n + " " + escape(text.count_of) + ")</span>";
        if (swatch) li.firstChild.style.background = swatch;
        return li;
      };
      section.querySelector("h2").textContent = text.legend + ": " + indicator.label;
      const list = section.querySelector("ul");
      list.replaceChildren(...classes.legend.map((c) => item(c.color, format(indicator, c.low) + " – " + format(indicator, c.high), c.count)));
      if (classes.noData) list.append(item(null, text.no_data, classes.noData));
    }

    function table(indicator) {
      const element = document.querySelector(".panel table.stats");
      if (!element || !rows) return;
      const key = state.indicator;
      const share = indicator.kind === "share";
      const th = (t) => "<th>" + escape(t) + "</th>";
      element.tHead.innerHTML = "<tr>" + th(text.child_level) + th(text.all) +
        (share ? th(indicator.label) + th(text.share) : th(text.mean)) + "</tr>";
      const num = (v) => '<td class="num">' + escape(v) + "</td>";
      element.tBodies[0].innerHTML = rows.map((row) => {
        const name = row.code === null ? escape(text.total)
          : '<a href="' + escape(link(options.rowHref, row.code) + "?" + query()) + '">' + escape(row.name) + "</a>";
        let cells;
        if (row[key + "_suppressed"]) {
          cells = '<td class="num withheld" colspan="2" title="' + escape(text.withheld_title) + '">' + escape(text.withheld) + "</td>";
        } else if (share) {
          cells = num(row[key] === null ? text.withheld : number(row[key])) + num(format(indicator, row[key + "_share"]));
        } else {
          cells = num(format(indicator, row[key]));
        }
        return "<tr" + (row.code === null ? ' class="total"' : "") + "><td>" + name + "</td>" + num(number(row.households)) + cells + "</tr>";
      }).join("");
      const note = document.getElementById("mq-withheld-note");
      if (note) note.hidden = !rows.some((row) => row[key + "_suppressed"]);
    }

    function draw() {
      const indicator = sw.indicators[state.indicator];
      classes = classify(indicator.colors, Object.values(state.areas).map((f) => (f ? f[0] : null)), state.classes);
      if (layer) layer.setStyle(style);
      legend(indicator);
      table(indicator);
      document.querySelectorAll("a[data-mq-href]").forEach((a) => { a.href = a.dataset.mqHref + "?" + query(); });
      // The address keeps what else it says (a past day, the demand layer's filters).
      const address = new URLSearchParams(location.search);
      address.set("indicator", state.indicator);
      address.set("classes", state.classes);
      history.replaceState(history.state, "", "?" + address.toString());
    }

    let asked = 0;
    // Show `indicator` classed by `classes`: a new indicator's values are one small request.
    async function show(indicator, method) {
      const ask = ++asked;
      await ready;
      if (indicator !== state.indicator) {
        const response = await fetch(sw.values + "?indicator=" + encodeURIComponent(indicator) + sw.past, {
          credentials: "same-origin", headers: { Accept: "application/json" },
        });
        if (!response.ok) throw new Error(response.status + " " + response.url);
        const document_ = await response.json();
        if (ask !== asked) return; // a later choice overtook this one
        state.areas = document_.areas;
      }
      state.indicator = indicator;
      state.classes = method;
      draw();
    }

    return { ready, query, show, draw };
  }

  // Redraw in place when the form's selects change; if the values cannot be fetched, load the page.
  function switcher(areas, form) {
    form.addEventListener("change", () => {
      const chosen = new FormData(form);
      areas.show(chosen.get("indicator"), chosen.get("classes")).catch(() => form.submit());
    });
  }

  Object.assign(window.MinqingMap, { choropleth, switcher, classify });
})();
