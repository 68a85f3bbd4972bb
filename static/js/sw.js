// The service worker: keeps the app shell (styles, scripts, icons, the deed form) so that a deed
// can be made without a connection. It never keeps photos, the board or API answers: other
// people's deeds are not stored on a shared tablet. Signing out clears its cache.
"use strict";

var SHELL = "tekotaulu-shell-v1";
var FORM = "/deeds/new";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== SHELL; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// A signed-in page sends its own styles and scripts (their versioned URLs) to keep.
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.shell) || [];
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    var statics = urls.filter(isStatic).map(function (url) {
      return cache.match(url).then(function (hit) { return hit || cache.add(url); });
    });
    return Promise.all(statics.concat([keepForm(cache)]));
  }).catch(function () { /* offline now: try again on the next page */ }));
});

function isStatic(url) {
  var parsed = new URL(url, self.location.href);
  return parsed.origin === self.location.origin && parsed.pathname.indexOf("/static/") === 0;
}

function keepForm(cache) {
  return fetch(FORM, { credentials: "same-origin" }).then(function (response) {
    return storeForm(cache, response);
  });
}

// Only the signed-in form itself, never the login page a lapsed session is sent to.
function storeForm(cache, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    return cache.put(FORM, response.clone()).then(function () { return response; });
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    // Static URLs carry their content's version: what is cached is right.
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  } else if (request.mode === "navigate" && url.pathname === FORM) {
    event.respondWith(fetch(request).then(function (response) {
      return caches.open(SHELL).then(function (cache) { return storeForm(cache, response); });
    }, function () { return cachedForm(8); }));
  }
});

// The kept form, offline. A page's refresh of it may be half-way (a put replaces the entry),
// so a miss is tried again for up to two seconds before the navigation fails.
function cachedForm(tries) {
  return caches.match(FORM).then(function (hit) {
    if (hit || tries <= 0) { return hit || Response.error(); }
    return new Promise(function (resolve) { setTimeout(resolve, 250); }).then(function () {
      return cachedForm(tries - 1);
    });
  });
}
