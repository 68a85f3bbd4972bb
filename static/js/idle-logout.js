// A shared tablet signs its user out after the tablet's idle time. In the last minute a bar
// counts down with a "Jatka" button; any tap, key or scroll starts the time again and tells the
// server (which ends the session on its own too, should this script never run).
(function () {
  "use strict";
  var bar = document.getElementById("idle-bar");
  var form = document.getElementById("idle-logout");
  if (!bar || !form) { return; }
  var idleMs = Number(bar.getAttribute("data-idle-seconds")) * 1000;
  var warnMs = Math.min(60000, Math.floor(idleMs / 2));
  // Activity is reported at most this often: the server's clock for the session then stays
  // within a few seconds of this one.
  var aliveEveryMs = Math.max(1000, Math.min(10000, idleMs / 20));
  var aliveUrl = bar.getAttribute("data-alive-url");
  var timeText = document.getElementById("idle-time");
  var csrf = document.querySelector("meta[name='csrf-token']");
  var since = Date.now();
  var leaving = false;

  function clock(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tellServer() {
    since = Date.now();
    fetch(aliveUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": csrf ? csrf.content : "", "Accept": "application/json"}
    }).then(function (response) {
      if (response.status === 401) { leave(); }
    }).catch(function () { /* offline: the countdown still runs here */ });
  }

  function active(event) {
    // A tap on the bar is its own (below): hiding the bar on pointerdown would let the click
    // fall through to whatever lies under it, such as the "new deed" button.
    if (leaving || (event && event.type !== "click" && bar.contains(event.target))) { return; }
    var shown = !bar.hidden;
    if (shown || Date.now() - since >= aliveEveryMs) { tellServer(); }
    if (shown) { bar.hidden = true; }
  }

  function leave() {
    if (leaving) { return; }
    leaving = true;
    form.submit();
  }

  function tick() {
    var left = idleMs - (Date.now() - since);
    if (left <= 0) { leave(); return; }
    if (left <= warnMs) {
      timeText.textContent = clock(left);
      bar.hidden = false;
    }
  }

  ["pointerdown", "keydown", "scroll", "wheel", "touchstart"].forEach(function (name) {
    window.addEventListener(name, active, {passive: true, capture: true});
  });
  bar.addEventListener("click", active);  // "Jatka", or anywhere on the bar
  window.setInterval(tick, 250);
})();
