// The visit form's offline queue (#11): a visit typed with no signal is kept in localStorage and sent
// when the signal returns. Each visit carries the uid the page made for it, and the server stores a uid
// once, so a visit sent twice (the answer lost on the way back) is still one visit; a visit leaves the
// queue only when the server has answered for it.
// A visit's photo (#11) waits in IndexedDB (a Blob per visit uid: localStorage holds only a little text),
// so it outlives a reload as its visit does; it is sent once its visit is stored, and the server keeps one
// photo per visit, so a photo sent twice is kept once. Without IndexedDB it waits in the page's memory.
(function () {
  "use strict";
  var KEY = "minqing-visit-queue";
  var form = document.getElementById("visit-form");
  var token = form.elements.csrf_token.value;
  var sending = false;
  var sendingPhoto = false;

  // The waiting photos: {uid, file, ready: its visit is stored}, by visit uid.
  var photos = (function () {
    var memory = {};
    var opened = new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(null); return; }
      var request = indexedDB.open("minqing-visit-photos", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("photos", {keyPath: "uid"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { resolve(null); };
    });
    // Run `work` on the store in one transaction; resolve with its request's result once committed.
    function run(mode, work, inMemory) {
      return opened.then(function (db) {
        if (!db) return inMemory();
        return new Promise(function (resolve, reject) {
          var tx = db.transaction("photos", mode), request = work(tx.objectStore("photos"));
          tx.oncomplete = function () { resolve(request.result); };
          tx.onerror = tx.onabort = function () { reject(tx.error); };
        });
      });
    }
    return {
      put: function (item) {
        return run("readwrite", function (s) { return s.put(item); }, function () { memory[item.uid] = item; });
      },
      remove: function (uid) {
        return run("readwrite", function (s) { return s.delete(uid); }, function () { delete memory[uid]; });
      },
      all: function () {
        return run("readonly", function (s) { return s.getAll(); }, function () {
          return Object.keys(memory).map(function (k) { return memory[k]; });
        });
      }
    };
  })();

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
    photos.all().then(function (waiting) {
      if (waiting.length) sayPhoto(form.dataset.photosWaiting + " " + waiting.length);
    });
  }
  function sayPhoto(message) {
    var status = document.getElementById("photo-status");
    status.textContent = message; status.hidden = false;
  }

  // The server's final word on a photo: kept, or never to be taken as it is (the reason is shown).
  var FINAL = {400: "InvalidPhoto", 403: "Forbidden", 404: "NotFound"};

  // Send the photos whose visits are stored, one at a time; keep those the network or server failed.
  function flushPhotos() {
    if (sendingPhoto) return;
    sendingPhoto = true;
    photos.all().then(function (waiting) {
      var item = waiting.filter(function (p) { return p.ready; })[0];
      if (!item) { sendingPhoto = false; return; }
      var body = new FormData();
      body.append("photo", item.file, item.file.name || "photo.jpg");
      return fetch(form.action + "/" + item.uid + "/photo", {
        method: "POST", credentials: "same-origin", body: body,
        headers: {"Accept": "application/json", "X-CSRFToken": token}
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (answer) {
          var kept = r.status === 200 || r.status === 201;
          if (!kept && FINAL[r.status] !== answer.code) { sendingPhoto = false; show(); return; }  // retried
          return photos.remove(item.uid).then(function () {
            sendingPhoto = false;
            sayPhoto(kept ? form.dataset.photoSaved + " " + (answer.warnings || []).join("；") : answer.message);
            show(); flushPhotos();
          });
        });
      });
    }).catch(function () { sendingPhoto = false; show(); });
  }
  // A visit is stored: its photo, if it has one, may go.
  function photoReady(uid) {
    photos.all().then(function (waiting) {
      var item = waiting.filter(function (p) { return p.uid === uid; })[0];
      if (item) { item.ready = true; return photos.put(item).then(flushPhotos); }
    });
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
        photoReady(visit.uid);
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
    var kept = file ? photos.put({uid: visit.uid, file: file, ready: false}) : Promise.resolve();
    var items = queue();
    if (!items.some(function (v) { return v.uid === visit.uid; })) items.push(visit);
    save(items);
    problems([]);
    form.reset();  // back to the page's defaults (today), keeping where the phone is
    form.elements.uid.value = newUid();
    form.elements.lon.value = visit.lon; form.elements.lat.value = visit.lat;
    function go() { show(); flush(); }
    kept.then(go, go);  // the photo is waiting before its visit can be answered for
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
  retry();
})();
