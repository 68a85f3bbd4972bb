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

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function photoImg(photo, alt) {
    var img = el("img");
    var maxWidth = Number(board.dataset.cardMaxWidth) || Infinity;
    var renditions = photo.renditions.filter(function (r) { return r.width <= maxWidth; });
    if (!renditions.length) { renditions = photo.renditions.slice(-1); }
    var small = renditions[renditions.length - 1];
    img.src = small.url;
    img.srcset = renditions.map(function (r) { return r.url + " " + r.width + "w"; }).join(", ");
    img.sizes = "(min-width: 1400px) 340px, (min-width: 960px) 33vw, (min-width: 600px) 50vw, 100vw";
    img.width = small.width;
    img.height = small.height;
    img.alt = alt;
    img.loading = "lazy";
    img.decoding = "async";
    if (photo.placeholder) { img.dataset.placeholder = photo.placeholder; }
    return img;
  }

  function thanksForm(deed) {
    var form = el("form", "thanks-form");
    form.method = "post";
    form.action = deed.url + "/thanks";
    var token = el("input");
    token.type = "hidden"; token.name = "csrf_token"; token.value = board.dataset.csrf;
    var button = el("button", "thanks-button" + (deed.thanked ? " is-thanked" : ""));
    button.type = "submit";
    button.setAttribute("aria-pressed", deed.thanked ? "true" : "false");
    var heart = document.querySelector(".thanks-button .icon");
    if (heart) { button.appendChild(heart.cloneNode(true)); }
    button.appendChild(el("span", "thanks-label", board.dataset.thanksLabel));
    var count = el("span", "thanks-count", String(deed.thanks_count));
    count.setAttribute("aria-label", board.dataset.thanksCountLabel);
    button.appendChild(count);
    form.appendChild(token);
    form.appendChild(button);
    return form;
  }

  function cardFromData(deed) {
    var card = el("article", "card");
    card.dataset.deedId = String(deed.id);
    if (deed.photos.length) {
      var link = el("a", "card-photo");
      link.href = deed.url;
      link.appendChild(photoImg(deed.photos[0], deed.description.slice(0, 80)));
      card.appendChild(link);
    }
    var body = el("div", "card-body");
    body.appendChild(el("p", "card-text", deed.description));
    var meta = el("p", "card-meta");
    meta.appendChild(el("span", "card-place", deed.unit.name + " · " + deed.municipality.name));
    var byline = el("span", "card-byline", deed.author + " · ");
    var time = el("time", "", deed.happened_on_display);
    time.dateTime = deed.happened_on;
    byline.appendChild(time);
    meta.appendChild(byline);
    body.appendChild(meta);
    body.appendChild(thanksForm(deed));
    card.appendChild(body);
    return card;
  }

  function loadMore(button) {
    if (button.dataset.loading) { return; }
    button.dataset.loading = "1";
    var params = new URLSearchParams(window.location.search);
    params.set("cursor", button.dataset.cursor);
    fetch(board.dataset.api + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        data.deeds.forEach(function (deed) {
          var card = cardFromData(deed);
          place(card);
          showPlaceholders(card);
        });
        if (data.next_cursor) {
          button.dataset.cursor = String(data.next_cursor);
          button.href = "?" + params.toString().replace(/cursor=\d+/, "cursor=" + data.next_cursor);
        } else {
          button.parentNode.removeChild(button);
        }
      })
      .catch(function () { /* the link still works as a plain page load */ })
      .then(function () { delete button.dataset.loading; });
  }

  function sendThanks(form) {
    var button = form.querySelector(".thanks-button");
    fetch(form.action, {
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
        button.querySelector(".thanks-count").textContent = String(data.thanks_count);
      })
      .catch(function () { form.submit(); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("thanks-form")) {
      event.preventDefault();
      sendThanks(form);
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
