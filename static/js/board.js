// The board: masonry columns, placeholders, "load more" over /api/deeds, one-tap thanks.
(function () {
  "use strict";

  document.documentElement.classList.add("js");  // filters submit themselves: no button needed
  var MIN_COLUMN = 280;
  var GAP = 16;
  var board = document.getElementById("board");

  function showPlaceholders(root) {
    root.querySelectorAll("img[data-placeholder]").forEach(function (img) {
      if (img.complete && img.naturalWidth) { return; }
      img.style.backgroundImage = "url(" + JSON.stringify(img.dataset.placeholder) + ")";
      img.addEventListener("load", function () { img.style.backgroundImage = ""; }, { once: true });
    });
  }

  // Masonry: keep reading order left to right by putting each card in the shortest column.
  function columnCount() {
    var width = board.clientWidth;
    return Math.max(1, Math.min(5, Math.floor((width + GAP) / (MIN_COLUMN + GAP))));
  }

  function cards() {
    return Array.prototype.slice.call(board.querySelectorAll(".card"));
  }

  function layout() {
    var all = cards();
    var count = columnCount();
    board.innerHTML = "";
    board.classList.add("is-masonry");
    for (var i = 0; i < count; i++) {
      var column = document.createElement("div");
      column.className = "board-column";
      board.appendChild(column);
    }
    all.forEach(place);
    board.dataset.columns = String(count);
  }

  function place(card) {
    var columns = board.querySelectorAll(".board-column");
    var shortest = columns[0];
    columns.forEach(function (c) { if (c.offsetHeight < shortest.offsetHeight) { shortest = c; } });
    shortest.appendChild(card);
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
        Array.prototype.slice.call(template.content.querySelectorAll(".card")).forEach(function (card) {
          place(card);
          showPlaceholders(card);
        });
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
        count.setAttribute("aria-label", data.thanks_label); // the server's plural form
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

  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      // Choosing a municipality resets a unit that may belong to another one.
      if (select.name === "municipality") {
        var unit = select.form.querySelector("[name=unit]");
        if (unit) { unit.value = ""; }
      }
      select.form.submit();
    });
  });

  showPlaceholders(document);
  if (!board) { return; }
  layout();
  var resizeTimer;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      if (String(columnCount()) !== board.dataset.columns) { layout(); }
    }, 150);
  });

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
