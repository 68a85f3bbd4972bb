// The board: masonry in date order, placeholders, "load more" over /api/deeds, one-tap thanks.
(function () {
  "use strict";

  document.documentElement.classList.add("js");  // filters submit themselves: no button needed
  var board = document.getElementById("board");

  function showPlaceholders(root) {
    root.querySelectorAll("img[data-placeholder]").forEach(function (img) {
      if (img.complete && img.naturalWidth) { return; }
      img.style.backgroundImage = "url(" + JSON.stringify(img.dataset.placeholder) + ")";
      img.addEventListener("load", function () { img.style.backgroundImage = ""; }, { once: true });
    });
  }

  // Masonry: each card goes into the shortest column as explicit grid rows, while the DOM
  // (and so tab and screen-reader order) stays newest first. Without script: a plain grid.
  var ROW = 4;  // px, .board.is-masonry's grid-auto-rows
  var heights = [];  // rows used in each column so far
  var laidOutWidth = 0;

  function cards() {
    return Array.prototype.slice.call(board.querySelectorAll(".card"));
  }

  function gap() {
    return parseFloat(getComputedStyle(board).columnGap) || 0;
  }

  function columnCount() {
    return getComputedStyle(board).gridTemplateColumns.split(" ").filter(Boolean).length;
  }

  function shortestColumn() {
    var best = 0;
    for (var i = 1; i < heights.length; i++) { if (heights[i] < heights[best]) { best = i; } }
    return best;
  }

  // Read every height first, then write every position: one reflow, not one per card.
  function placeAll(list) {
    var space = gap();
    var rows = list.map(function (card) {
      return Math.ceil((card.getBoundingClientRect().height + space) / ROW);
    });
    list.forEach(function (card, index) {
      var column = shortestColumn();
      card.style.gridColumn = String(column + 1);
      card.style.gridRow = (heights[column] + 1) + " / span " + rows[index];
      heights[column] += rows[index];
    });
  }

  function layout() {
    var all = cards();
    board.classList.remove("is-masonry");
    all.forEach(function (card) { card.style.gridColumn = ""; card.style.gridRow = ""; });
    heights = [];
    for (var i = columnCount(); i > 0; i--) { heights.push(0); }
    placeAll(all);
    board.classList.add("is-masonry");
    laidOutWidth = board.clientWidth;
  }

  // "Load more" asks the server for the next cards as HTML: the same partial as the board.
  function loadMore(button) {
    if (button.dataset.loading) { return; }
    button.dataset.loading = "1";
    fetch(button.dataset.more, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        var next = response.headers.get("X-Next-Cursor");
        return response.text().then(function (html) { return { html: html, next: next }; });
      })
      .then(function (result) {
        var template = document.createElement("template");
        template.innerHTML = result.html;
        var added = Array.prototype.slice.call(template.content.querySelectorAll(".card"));
        added.forEach(function (card) {
          board.appendChild(card);  // after the older ones: the DOM stays in date order
          showPlaceholders(card);
        });
        placeAll(added);
        if (result.next) {
          button.dataset.more = withCursor(button.dataset.more, result.next);
          button.href = withCursor(button.href, result.next);
        } else {
          button.parentNode.removeChild(button);
        }
      })
      .catch(function () { /* the link still works as a plain page load */ })
      .then(function () { delete button.dataset.loading; });
  }

  function withCursor(url, cursor) {
    var parsed = new URL(url, window.location.href);
    parsed.searchParams.set("cursor", cursor);
    return parsed.pathname + parsed.search;
  }

  // Every thanks button posts the page's one thanks form; the button names the deed.
  function sendThanks(form, button) {
    fetch(button.formAction, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        button.classList.toggle("is-thanked", data.thanked);
        button.setAttribute("aria-pressed", data.thanked ? "true" : "false");
        var count = button.querySelector(".thanks-count");
        count.textContent = String(data.thanks_count);
        // What a screen reader says: the server's plural form ("1 kiitos", "2 kiitosta").
        button.querySelector(".thanks-count-label").textContent = " " + data.thanks_label;
      })
      .catch(function () {
        form.action = button.formAction;
        form.submit();
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (form.id === "thanks-form" && button && button.classList.contains("thanks-button")) {
      event.preventDefault();
      sendThanks(form, button);
    }
  });

  function narrowUnits(unit, municipality) {
    unit.querySelectorAll("optgroup[data-municipality]").forEach(function (group) {
      var other = municipality !== "" && group.dataset.municipality !== municipality;
      group.hidden = other;
      group.disabled = other;  // Safari shows hidden options: disabled ones cannot be chosen
    });
  }

  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      // Choosing a municipality resets the unit and offers only that municipality's units.
      if (select.name === "municipality") {
        var unit = select.form.querySelector("[name=unit]");
        if (unit) { unit.value = ""; narrowUnits(unit, select.value); }
      }
      select.form.submit();
    });
  });

  showPlaceholders(document);
  if (!board) { return; }
  layout();
  // Another width wraps the words differently: every card's height changes, so lay out again.
  // The board's own size, not the window's: a scroll bar that comes or goes changes it too.
  var resizeTimer;
  function layoutSoon() {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      if (board.clientWidth !== laidOutWidth) { layout(); }
    }, 150);
  }
  if ("ResizeObserver" in window) {
    new ResizeObserver(layoutSoon).observe(board);
  } else {
    window.addEventListener("resize", layoutSoon);
  }

  var more = document.getElementById("load-more");
  if (more) {
    more.addEventListener("click", function (event) { event.preventDefault(); loadMore(more); });
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (entries[0].isIntersecting && more.isConnected) { loadMore(more); }
      }, { rootMargin: "600px" }).observe(more);
    }
  }
})();
