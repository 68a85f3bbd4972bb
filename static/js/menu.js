// The header's user menu (a details element): a tap outside it, Escape or leaving it closes it.
(function () {
  "use strict";

  var menus = Array.prototype.slice.call(document.querySelectorAll("details.nav-menu"));

  function close(menu, focusSummary) {
    if (!menu.open) { return; }
    menu.open = false;
    if (focusSummary) { menu.querySelector("summary").focus(); }
  }

  // "click" also fires for taps; a tap inside the menu (or on its summary) is the menu's own.
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (!menu.contains(event.target)) { close(menu, false); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    menus.forEach(function (menu) {
      if (menu.open) { event.preventDefault(); close(menu, true); }
    });
  });

  // Tabbing past the last item should not leave an open menu covering the page.
  menus.forEach(function (menu) {
    menu.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !menu.contains(event.relatedTarget)) { close(menu, false); }
    });
  });
})();
