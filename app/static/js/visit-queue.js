// The visit form's offline queue (#11): a visit typed with no signal is kept in localStorage and sent
// when the signal returns. Each visit carries the uid the page made for it, and the server stores a uid
// once, so a visit sent twice (the answer lost on the way back) is still one visit; a visit leaves the
// queue only when the server has answered for it.
// A visit's photo (#11) waits in this page's memory (not localStorage: too small for photos) and is
// sent once its visit is stored; the server keeps one photo per visit, so a photo sent twice is kept once.
(function () {
  "use strict";
  var KEY = "minqing-visit-queue";
  var form = document.getElementById("visit-form");
  var token = form.elements.csrf_token.value;
  var sending = false;
  var photos = {};  // visit uid -> {file, ready: its visit is stored}
  var sendingPhoto = false;

  function queue() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function save(items) { localStorage.setItem(KEY, JSON.stringify(items)); }

  // crypto.randomUUID exists only on https pages; getRandomValues everywhere.
  function newUid() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function show() {
    var pending = document.getElementById("pending");
    var n = queue().length;
    pending.hidden = n === 0;
    pending.querySelector("strong").textContent = n;
    var waiting = Object.keys(photos).length, status = document.getElementById("photo-status");
    if (waiting) { status.textContent = form.dataset.photosWaiting + " " + waiting; status.hidden = false; }
  }
  function sayPhoto(message) {
    var status = document.getElementById("photo-status");
    status.textContent = message; status.hidden = false;
  }

  // Send the photos whose visits are stored, one at a time; keep those the network or server failed.
  function flushPhotos() {
    var uid = Object.keys(photos).filter(function (u) { return photos[u].ready; })[0];
    if (sendingPhoto || !uid) return;
    sendingPhoto = true;
    var body = new FormData();
    body.append("photo", photos[uid].file);
    fetch(form.action + "/" + uid + "/photo", {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"Accept": "application/json", "X-CSRFToken": token}
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (answer) {
        sendingPhoto = false;
        if (r.status === 200 || r.status === 201) {
          delete photos[uid];
          sayPhoto(form.dataset.photoSaved + " " + (answer.warnings || []).join("；"));
        } else if (r.status === 400 || r.status === 403 || r.status === 404) {
          delete photos[uid];  // never taken as it is: say why
          sayPhoto(answer.message || String(r.status));
        }
        show(); flushPhotos();
      });
    }, function () { sendingPhoto = false; show(); });
  }
  function say(message) {
    var saved = document.getElementById("saved");
    saved.textContent = message; saved.hidden = false;
  }
  function problems(list) {
    var ul = document.getElementById("problems");
    ul.textContent = "";
    list.forEach(function (p) {
      var li = document.createElement("li");
      li.dataset.field = p.field; li.textContent = p.message; ul.appendChild(li);
    });
  }
  function refill(visit) {
    ["household", "visited_on", "findings", "uid"].forEach(function (k) { form.elements[k].value = visit[k]; });
    form.querySelectorAll("input[name=kind]").forEach(function (r) { r.checked = r.value === visit.kind; });
    form.querySelectorAll("input[name=ticks]").forEach(function (c) { c.checked = visit.ticks.indexOf(c.value) >= 0; });
  }

  function send(visit) {
    return fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token},
      body: JSON.stringify(visit)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return {status: r.status, body: body}; });
    });
  }

  // Send the queue oldest first; stop at the first failure of the network or the server (retry later).
  function flush() {
    if (sending) return;
    var items = queue();
    if (!items.length) { show(); return; }
    sending = true;
    var visit = items[0];
    send(visit).then(function (answer) {
      sending = false;
      var rest = queue().filter(function (v) { return v.uid !== visit.uid; });
      if (answer.status === 200 || answer.status === 201) {
        save(rest);
        if (photos[visit.uid]) { photos[visit.uid].ready = true; flushPhotos(); }
        var far = answer.body.distance_m;
        say(form.dataset.saved + " " + answer.body.household + (far > 500 ? " · " + far + " " + form.dataset.far : ""));
        flush();
      } else if (answer.status === 400 && answer.body.code === "InvalidVisit") {
        // The server will never take it as it is: give it back to the person to correct.
        save(rest); refill(visit); problems(answer.body.problems || [{field: "", message: answer.body.message}]);
        flush();
      }
      show();  // anything else (no network, a login or CSRF token expired, a server error): kept, retried
    }, function () { sending = false; show(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    var visit = {ticks: data.getAll("ticks")};
    ["uid", "household", "visited_on", "kind", "findings", "lon", "lat"].forEach(function (k) { visit[k] = data.get(k) || ""; });
    var file = form.elements.photo.files[0];
    if (file) photos[visit.uid] = {file: file, ready: false};
    var items = queue();
    if (!items.some(function (v) { return v.uid === visit.uid; })) items.push(visit);
    save(items);
    problems([]);
    form.reset();  // back to the page's defaults (today), keeping where the phone is
    form.elements.uid.value = newUid();
    form.elements.lon.value = visit.lon; form.elements.lat.value = visit.lat;
    show();
    flush();
  });

  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (p) {
      form.elements.lon.value = p.coords.longitude.toFixed(6);
      form.elements.lat.value = p.coords.latitude.toFixed(6);
    }, function () {}, {timeout: 10000, maximumAge: 60000});
  }
  function retry() { flush(); flushPhotos(); }
  window.addEventListener("online", retry);
  setInterval(retry, 20000);
  show();
  flush();
})();
