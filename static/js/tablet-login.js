// The shared tablet's login: tapping a name fills the username and puts the cursor in the PIN
// (or, without PINs, the password) field. Without this script each name is a link that does
// the same through the server (?as=username).
(function () {
  "use strict";
  var tiles = document.querySelectorAll(".poster-tile[data-username]");

  function pick(tile) {
    var username = tile.getAttribute("data-username");
    document.querySelectorAll("input[name='username'], input[name='pin-username']").forEach(function (input) {
      input.value = username;
    });
    tiles.forEach(function (other) {
      other.classList.toggle("is-picked", other === tile);
      if (other === tile) { other.setAttribute("aria-current", "true"); } else { other.removeAttribute("aria-current"); }
    });
    var pin = document.querySelector("input[name='pin-pin']");
    var target = pin || document.querySelector("input[name='password']");
    if (target) { target.value = ""; target.focus(); }
  }

  tiles.forEach(function (tile) {
    tile.addEventListener("click", function (event) {
      event.preventDefault();
      pick(tile);
    });
  });

  // A name picked through the server (no script at the time, or a refused try): focus the secret.
  var picked = document.querySelector(".poster-tile.is-picked");
  var pinError = document.querySelector("input[name='pin-pin'][aria-invalid]");
  if (pinError) { pinError.focus(); } else if (picked) { pick(picked); }
})();
