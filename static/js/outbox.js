// The tablet's outbox: deeds that could not be sent yet wait in IndexedDB (photo included) and
// are sent when the connection returns, on page load, on a timer with backoff, and by "Lähetä
// nyt". Each deed carries a client-made id that the server treats as an idempotency key, so a
// retry never makes a second deed. Each item records who made it: only that user's items are
// shown and sent, so a colleague signing in on a shared tablet never sends someone else's deed.
// Also registers the service worker that keeps the app shell for offline use.
(function () {
  "use strict";

  var DB_NAME = "tekotaulu-outbox";
  var STORE = "deeds";
  var FIRST_RETRY_MS = 5000;
  var MAX_RETRY_MS = 5 * 60 * 1000;

  var box = document.getElementById("outbox");
  if (!box || !window.indexedDB || !window.Promise) { return; }
  var userId = box.dataset.user;
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var retryMs = FIRST_RETRY_MS;
  var timer = null;
  var sending = null;
  var thumbs = [];

  // --- IndexedDB, in a few promises ------------------------------------------------------------

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "client_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return item.user_id === userId; })
        .sort(function (a, b) { return a.created_at - b.created_at; });
    });
  }

  function put(item) { return withStore("readwrite", function (store) { store.put(item); }); }

  function remove(clientId) {
    return withStore("readwrite", function (store) { store.delete(clientId); });
  }

  // --- Sending ---------------------------------------------------------------------------------

  function formData(item) {
    var data = new FormData();
    Object.keys(item.fields).forEach(function (name) { data.append(name, item.fields[name]); });
    data.append("photo", item.photo, item.photo_name || "photo.jpg");
    data.append("client_id", item.client_id);
    data.append("from", "outbox");
    return data;
  }

  // One item: "sent", "wait" (no connection, server trouble), "signin", or "refused".
  function sendOne(item) {
    return fetch(box.dataset.api, {
      method: "POST",
      body: formData(item),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": tokenMeta ? tokenMeta.content : "" }
    }).then(function (response) {
      if (response.ok) { return remove(item.client_id).then(function () { return "sent"; }); }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        return judge(item, response.status, answer);
      });
    }, function () { return "wait"; });
  }

  function judge(item, status, answer) {
    if (status === 401 || answer.reason === "csrf") {
      item.state = "signin";
      return put(item).then(function () { return "signin"; });
    }
    if (status >= 500 || status === 429 || status === 408) { return "wait"; }
    item.state = "refused";
    item.error = answer.error || "";
    return put(item).then(function () { return "refused"; });
  }

  // Send the waiting items one by one; stop at the first that cannot go for now.
  function flush() {
    if (sending) { return sending; }
    clearTimeout(timer);
    sending = all().then(function (items) {
      // A refused deed waits for its maker to remove it; a retry would be refused again.
      var queue = items.filter(function (item) { return item.state !== "refused"; });
      if (queue.length) { note(box.dataset.sending); }
      return sendEach(queue, 0);
    }).then(function (outcome) {
      sending = null;
      if (outcome.sent) { retryMs = FIRST_RETRY_MS; }
      if (outcome.stop === "wait") { schedule(); }
      return render(outcome);
    }, function () { sending = null; });
    return sending;
  }

  function sendEach(queue, sent) {
    if (!queue.length) { return Promise.resolve({ sent: sent, stop: null }); }
    return sendOne(queue[0]).then(function (result) {
      if (result === "sent") { return sendEach(queue.slice(1), sent + 1); }
      if (result === "refused") { return sendEach(queue.slice(1), sent); }
      return { sent: sent, stop: result };
    });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(function () { flush(); }, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }

  // --- What the user sees ----------------------------------------------------------------------

  function note(text) { document.getElementById("outbox-note").textContent = text || ""; }

  function render(outcome) {
    return all().then(function (items) {
      thumbs.forEach(URL.revokeObjectURL);
      thumbs = [];
      // Emptied by a send just now: say so, rather than vanish without a word.
      var justSent = Boolean(outcome && outcome.sent && !items.length);
      box.hidden = items.length === 0 && !justSent;
      document.getElementById("outbox-send").hidden = items.length === 0;
      var template = items.length === 1 ? box.dataset.one : box.dataset.many;
      document.getElementById("outbox-count").textContent =
        justSent ? box.dataset.sent : template.replace("{n}", items.length);
      var list = document.getElementById("outbox-items");
      list.replaceChildren.apply(list, items.map(itemView));
      var signin = items.some(function (item) { return item.state === "signin"; });
      document.getElementById("outbox-signin").hidden = !signin;
      note(signin ? box.dataset.signin : (items.length ? box.dataset.offline : ""));
      if (outcome && outcome.sent) {
        document.dispatchEvent(new CustomEvent("outbox:sent", { detail: outcome.sent }));
      }
      return items.length;
    });
  }

  function itemView(item) {
    var li = document.createElement("li");
    li.className = "outbox-item" + (item.state === "refused" ? " is-refused" : "");
    var img = document.createElement("img");
    img.alt = "";
    img.className = "outbox-thumb";
    img.src = URL.createObjectURL(item.photo);
    thumbs.push(img.src);
    var text = document.createElement("p");
    text.className = "outbox-text";
    text.textContent = item.fields.description || "";
    li.append(img, text);
    if (item.state === "refused" && item.error) {
      var error = document.createElement("p");
      error.className = "field-error";
      error.textContent = item.error;
      li.append(error);
    }
    var drop = document.createElement("button");
    drop.type = "button";
    drop.className = "button button-plain outbox-remove";
    drop.textContent = box.dataset.remove;
    drop.addEventListener("click", function () { remove(item.client_id).then(render); });
    li.append(drop);
    return li;
  }

  // --- The public face, for the deed form ------------------------------------------------------

  window.TekotauluOutbox = {
    // Queue a deed (fields, photo Blob, client id); state "signin" when the session is gone.
    add: function (clientId, fields, photo, state) {
      return put({
        client_id: clientId,
        user_id: userId,
        created_at: Date.now(),
        fields: fields,
        photo: photo,
        photo_name: photo.name || "photo.jpg",
        state: state || "waiting",
        error: ""
      }).then(function () {
        if (state !== "signin") { schedule(); }
        return render();
      });
    },
    flush: flush
  };

  document.getElementById("outbox-send").addEventListener("click", function () { flush(); });
  window.addEventListener("online", function () { retryMs = FIRST_RETRY_MS; flush(); });
  render().then(function (count) { if (count) { flush(); } });

  // The service worker keeps the app shell (styles, scripts, icons, the deed form) for offline.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = Array.prototype.map.call(
        document.querySelectorAll("link[rel=stylesheet], link[rel=icon], link[rel=manifest], script[src]"),
        function (el) { return el.href || el.src; }
      );
      if (registration.active) { registration.active.postMessage({ shell: urls }); }
    }).catch(function () { /* no offline shell; posting still works online */ });
  }
})();
