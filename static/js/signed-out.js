// Signed out (or the session ended): forget the app shell the service worker cached for the last
// user, whose name and form token are in the cached deed form. The outbox in IndexedDB stays:
// each queued deed belongs to its maker and is sent only when that person signs in again.
(function () {
  "use strict";
  if (!window.caches) { return; }
  caches.keys().then(function (names) {
    return Promise.all(names.map(function (name) { return caches.delete(name); }));
  }).catch(function () { /* nothing cached */ });
})();
