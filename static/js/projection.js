// The projection: the deeds as a wall or a slideshow on a projector, kept live by polling.
//
// One poll loop holds the cards by deed id (never twice), in the server's order. The wall and
// the slideshow are two views of that state; the spotlight is shown above both. No photo is
// put on screen before it has loaded and decoded, and layout uses the photos' known sizes.
(function () {
  "use strict";

  const root = document.getElementById("projection");
  if (!root) { return; }
  const html = document.documentElement;
  const wallEl = document.getElementById("wall");
  const slidesEl = document.getElementById("slides");
  const emptyEl = document.getElementById("empty");
  const qrEl = document.getElementById("qr");
  const spotEl = document.getElementById("spotlight");
  const offlineEl = document.getElementById("offline");
  const controls = document.getElementById("controls");
  const progressEl = document.getElementById("progress");
  const intervalSelect = document.getElementById("interval");
  const cardTemplate = document.getElementById("card-template");
  const slideTemplate = document.getElementById("slide-template");

  const STORE = "tekotaulu.projection.";
  const INTERVALS = [5, 8, 12, 20, 30, 60];
  const IDLE_MS = 3000;
  const MAX_BACKOFF_MS = 15000;
  const FETCH_TIMEOUT_MS = 20000;
  const DECODE_TIMEOUT_MS = 10000;
  const WALL_CANDIDATES = 40;   // the wall never holds more than this many of the newest
  const NEW_GLOW_MS = 12000;    // how long a newly arrived deed is marked
  const MAX_REFRESH = 50;       // ids asked again per request
  const HISTORY = 200;          // slides remembered for "previous"

  // ---- Settings, remembered on this machine ------------------------------------------------

  function stored(name, fallback) {
    try {
      const value = window.localStorage.getItem(STORE + name);
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }

  function store(name, value) {
    try { window.localStorage.setItem(STORE + name, String(value)); } catch (error) { /* private mode */ }
  }

  const settings = {
    layout: stored("layout", "wall") === "slideshow" ? "slideshow" : "wall",
    interval: Math.max(1, Math.min(600, Number(stored("interval", "12")) || 12)),
    shuffle: stored("shuffle", "0") === "1",
    names: stored("names", "1") === "1",
    qr: stored("qr", "0") === "1",
    paused: false
  };

  // ---- Live data ---------------------------------------------------------------------------

  const cards = new Map();   // deed id -> card data
  let order = [];            // the window's deed ids, newest first
  let loaded = false;        // the first answer has come
  const arrivedAt = new Map();  // deed id -> when it arrived live (marked as new for a while)

  const liveUrl = root.dataset.liveUrl;
  let pollMs = (Number(root.dataset.pollSeconds) || 3) * 1000;
  let since = null;          // the newest deed id received
  let etag = null;
  let etagUrl = null;        // the URL that ETag belongs to
  let failures = 0;
  let pollTimer = null;
  const wanted = new Set();  // ids whose card must be asked for again (new version, or missing)

  function requestUrl() {
    let url = liveUrl;
    if (since !== null) { url += "&since=" + since; }
    if (wanted.size) { url += "&refresh=" + Array.from(wanted).slice(0, MAX_REFRESH).join(","); }
    return url;
  }

  async function poll() {
    clearTimeout(pollTimer);
    const url = requestUrl();
    const headers = { Accept: "application/json" };
    if (etag && etagUrl === url) { headers["If-None-Match"] = etag; }
    let delay = pollMs;
    const controller = new AbortController();
    const timeout = setTimeout(function () { controller.abort(); }, FETCH_TIMEOUT_MS);
    try {
      // The ETag is sent by hand (cache "no-store" keeps the browser's cache out of the way),
      // so that a 304 reaches this code as "nothing changed".
      const response = await fetch(url, {
        headers: headers, credentials: "same-origin", cache: "no-store",
        redirect: "error", signal: controller.signal
      });
      if (response.status !== 304) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        const data = await response.json();
        etag = response.headers.get("ETag");
        etagUrl = url;
        receive(data);
      }
      failures = 0;
      showOffline(false);
    } catch (error) {
      failures += 1;
      showOffline(true);
      delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures - 1));
    } finally {
      clearTimeout(timeout);
    }
    pollTimer = setTimeout(poll, delay);
  }

  function showOffline(on) {
    offlineEl.hidden = !on;
  }

  function receive(data) {
    const first = !loaded;
    const fresh = [];
    const changed = [];
    const removed = [];
    let reordered = false;
    for (const card of data.cards || []) {
      const held = cards.get(card.id);
      if (!held) {
        if (!first && (since === null || card.id > since)) { fresh.push(card.id); }
      } else if (held.version !== card.version) {
        changed.push(card.id);
      }
      cards.set(card.id, card);
      wanted.delete(card.id);
    }
    if (Array.isArray(data.present)) {
      const present = new Map(data.present);
      for (const id of Array.from(cards.keys())) {
        if (!present.has(id)) { cards.delete(id); wanted.delete(id); removed.push(id); }
      }
      for (const [id, version] of data.present) {
        const held = cards.get(id);
        if (!held || held.version !== version) { wanted.add(id); }
      }
      const before = order.join(",");
      order = data.present.map(function (pair) { return pair[0]; })
        .filter(function (id) { return cards.has(id); });
      reordered = before !== order.join(",");
    }
    for (const id of order) { since = since === null ? id : Math.max(since, id); }
    if (typeof data.newest === "number") { since = since === null ? data.newest : Math.max(since, data.newest); }
    if (Number(data.poll_seconds) >= 1) { pollMs = Number(data.poll_seconds) * 1000; }
    const now = Date.now();
    for (const id of fresh) { arrivedAt.set(id, now); }
    loaded = true;
    root.classList.remove("is-loading");
    emptyEl.hidden = order.length > 0;
    if (first || reordered || fresh.length || changed.length || removed.length) {
      changedData({ first: first, fresh: fresh, changed: changed, removed: removed });
    }
    showSpotlight(data.spotlight || null);
  }

  function isNew(id) {
    const at = arrivedAt.get(id);
    if (at === undefined) { return false; }
    if (Date.now() - at < NEW_GLOW_MS) { return true; }
    arrivedAt.delete(id);
    return false;
  }

  function changedData(change) {
    if (settings.layout === "wall") {
      renderWall();
    } else {
      slideshowChanged(change);
    }
  }

  // ---- Photos --------------------------------------------------------------------------------

  // The smallest stored size at least as wide as the slot on this screen, else the widest.
  function pickRendition(photo, cssWidth) {
    const need = cssWidth * (window.devicePixelRatio || 1);
    let choice = photo.renditions[0];
    for (const rendition of photo.renditions) {
      if (rendition.width >= need) { choice = rendition; }
    }
    return choice;
  }

  function withTimeout(promise, ms, fallback) {
    return new Promise(function (resolve) {
      const timer = setTimeout(function () { resolve(fallback); }, ms);
      promise.then(function (value) { clearTimeout(timer); resolve(value); },
                   function () { clearTimeout(timer); resolve(fallback); });
    });
  }

  // An <img> that has loaded and decoded (or null when it could not): only these go on screen.
  function decodedImage(url, className) {
    const img = new Image();
    img.alt = "";
    img.className = className;
    img.decoding = "async";
    img.src = url;
    return withTimeout(img.decode().then(function () { return img; }), DECODE_TIMEOUT_MS, null);
  }

  function cssUrl(value) {
    return "url(" + JSON.stringify(value) + ")";
  }

  function placeText(card) {
    return card.unit.name + " · " + card.municipality.name;
  }

  function firstPhoto(card) {
    const photo = card.photos && card.photos[0];
    return photo && photo.renditions && photo.renditions.length ? photo : null;
  }

  function aspect(photo) {
    return photo.width > 0 && photo.height > 0 ? photo.width / photo.height : 4 / 3;
  }

  function fillCommon(el, card) {
    el.dataset.deedId = String(card.id);
    const photo = firstPhoto(card);
    const ambient = el.querySelector(".pcard-ambient");
    if (photo) {
      if (photo.placeholder) { ambient.style.backgroundImage = cssUrl(photo.placeholder); }
    } else {
      ambient.parentNode.remove();
      el.classList.add("is-text-only");
    }
    el.querySelector(".pcard-place").textContent = placeText(card);
    el.querySelector(".pcard-author").textContent = card.author || "";
  }

  // ---- The wall ----------------------------------------------------------------------------

  const wallCards = new Map();  // deed id -> {el, version, url, img}
  let wallBusy = false;
  let wallAgain = false;

  function wallEntry(card) {
    let entry = wallCards.get(card.id);
    if (entry && entry.version === card.version) { return entry; }
    const el = cardTemplate.content.firstElementChild.cloneNode(true);
    fillCommon(el, card);
    el.querySelector(".pcard-text").textContent = card.description;
    // A new version (say, an edited description) takes the old card's place once its photo
    // has decoded (in applyWall).
    const fresh = { el: el, version: card.version, img: null, width: 0, pending: null,
                    replaces: entry ? entry.el : null };
    wallCards.set(card.id, fresh);
    return fresh;
  }

  function gapSize() {
    return Math.round(Math.min(24, Math.max(12, window.innerHeight * 0.016)));
  }

  // Heights of the cards' text at this column width: clamped (3 lines) and expanded (6 lines).
  function measureBodies(entries, width) {
    const measure = document.createElement("div");
    measure.className = "wall-measure";
    measure.style.width = width + "px";
    const bodies = entries.map(function (entry) {
      const body = entry.el.querySelector(".pcard-body").cloneNode(true);
      const card = document.createElement("div");
      card.className = entry.el.classList.contains("is-text-only") ? "pcard is-text-only" : "pcard";
      card.appendChild(body);
      measure.appendChild(card);
      return card;
    });
    wallEl.appendChild(measure);
    const short = bodies.map(function (card) { return card.offsetHeight; });
    bodies.forEach(function (card) { card.classList.add("is-expanded"); });
    const tall = bodies.map(function (card) { return card.offsetHeight; });
    measure.remove();
    return { short: short, tall: tall };
  }

  // How tall each column may be: the QR code's corner is kept free.
  function columnLimits(count, colWidth, gap, box) {
    const limits = [];
    const qr = settings.qr && !qrEl.hidden ? qrEl.getBoundingClientRect() : null;
    for (let i = 0; i < count; i++) {
      const left = box.left + i * (colWidth + gap);
      let limit = box.height;
      if (qr && qr.width && left + colWidth > qr.left - gap && qr.top < box.bottom) {
        limit = Math.min(limit, qr.top - gap - box.top);
      }
      limits.push(Math.max(0, limit));
    }
    return limits;
  }

  // A wall photo's frame may be anywhere from a landscape crop (so that more deeds fit) to the
  // photo's own shape; room left over in a column then goes to longer texts, a little more
  // height (cropping the sides) and last to a frame larger than the photo, filled by its
  // blurred placeholder.
  const TALLEST_SHAPE = 0.8;   // portraits taller than 4:5 are cropped even at their largest
  const WIDEST_SHAPE = 2.0;    // panoramas wider than 2:1 are cropped
  const CROPPED_SHAPE = 1.4;   // the smallest frame: about 7:5 landscape
  const MAX_CROP_GROWTH = 0.2; // a frame may grow 20 % past the photo's shape
  const SHRUNK_PHOTO = 0.4;    // an otherwise empty column takes a card with its photo this small

  function planColumns(ids, entries, count, box, gap) {
    const colWidth = Math.floor((box.width - gap * (count - 1)) / count);
    const bodies = measureBodies(entries, colWidth);
    const limits = columnLimits(count, colWidth, gap, box);
    const columns = limits.map(function (limit, index) {
      return { index: index, limit: limit, used: 0, items: [] };
    });
    function put(column, item, height) {
      column.used += (column.items.length ? gap : 0) + height;
      column.items.push(item);
    }
    for (let i = 0; i < ids.length; i++) {
      const card = cards.get(ids[i]);
      const photo = firstPhoto(card);
      const ratio = photo ? aspect(photo) : 0;
      const item = {
        id: ids[i], entry: entries[i], photo: photo, aspect: ratio,
        minPhoto: photo ? Math.round(colWidth / Math.min(WIDEST_SHAPE, Math.max(CROPPED_SHAPE, ratio))) : 0,
        fullPhoto: photo ? Math.round(colWidth / Math.min(WIDEST_SHAPE, Math.max(TALLEST_SHAPE, ratio))) : 0,
        body: bodies.short[i], bodyTall: bodies.tall[i], expanded: false
      };
      const height = item.minPhoto + item.body;
      const byUse = columns.slice().sort(function (a, b) { return a.used - b.used || a.index - b.index; });
      const target = byUse.find(function (column) {
        return column.used + (column.items.length ? gap : 0) + height <= column.limit;
      });
      if (target) { put(target, item, height); continue; }
      // No room at its full width anywhere: an empty column (say, above the QR code) or the
      // very first card still takes it, with a smaller photo.
      const empty = columns.find(function (column) {
        return !column.items.length && column.limit >= item.body + item.minPhoto * SHRUNK_PHOTO;
      });
      if (empty) { put(empty, item, height); continue; }
      if (i === 0) { put(columns[0], item, height); continue; }
      break;
    }
    let covered = 0;
    let placed = 0;
    for (const column of columns) {
      fillColumn(column);
      for (const item of column.items) {
        covered += colWidth * (item.body + item.shown);
        placed += 1;
      }
    }
    return {
      columns: columns, colWidth: colWidth, count: count, placed: placed,
      score: covered / Math.max(1, box.width * box.height)
    };
  }

  // Share `room` among items in proportion to weight(item), each taking at most cap(item);
  // return what is left.
  function share(items, room, weight, cap, give) {
    const total = items.reduce(function (sum, item) { return sum + weight(item); }, 0);
    if (total <= 0 || room <= 0) { return room; }
    let left = room;
    for (const item of items) {
      const amount = Math.max(0, Math.min(cap(item), Math.floor(room * weight(item) / total), left));
      give(item, amount);
      left -= amount;
    }
    return left;
  }

  // Make a column end at its limit, never past it.
  function fillColumn(column) {
    const items = column.items;
    let room = column.limit - column.used;
    for (const item of items) {
      item.box = item.minPhoto;   // the photo's frame
      item.shown = item.minPhoto; // the photo's visible height inside it
    }
    if (!items.length) { return; }
    const photos = items.filter(function (item) { return item.photo; });
    if (room < 0) {
      // A card that did not fit whole: its photo gets smaller.
      for (const item of photos) {
        const cut = Math.min(item.box, -room);
        item.box -= cut;
        item.shown = item.box;
        room += cut;
      }
      return;
    }
    function grow(item, amount) { item.box += amount; item.shown += amount; }
    // 1. Whole descriptions (up to six lines), a card at a time.
    for (const item of items) {
      const extra = item.bodyTall - item.body;
      if (extra > 0 && extra <= room) {
        item.expanded = true;
        item.body = item.bodyTall;
        room -= extra;
      }
    }
    // 2. Photos back towards their own shape.
    room = share(photos, room, function (item) { return item.fullPhoto - item.minPhoto; },
                 function (item) { return item.fullPhoto - item.minPhoto; }, grow);
    // 3. A little taller than their shape, cropping the sides.
    room = share(photos, room, function (item) { return item.box; },
                 function (item) { return Math.floor(item.fullPhoto * MAX_CROP_GROWTH); }, grow);
    // 4. The rest: a larger frame around the photo (its blurred placeholder shows), or, in a
    // column of words only, taller cards.
    if (photos.length) {
      room = share(photos, room, function (item) { return item.box; },
                   function () { return Infinity; }, function (item, amount) { item.box += amount; });
    } else {
      room = share(items, room, function () { return 1; }, function () { return Infinity; },
                   function (item, amount) { item.body += amount; });
    }
  }

  function planWall() {
    const box = wallEl.getBoundingClientRect();
    const ids = order.slice(0, WALL_CANDIDATES);
    if (!ids.length || box.width < 50 || box.height < 50) { return null; }
    const entries = ids.map(function (id) { return wallEntry(cards.get(id)); });
    const gap = gapSize();
    const fontSize = parseFloat(getComputedStyle(wallEl).fontSize) || 28;
    const minColumn = fontSize * 11.5;
    const most = Math.max(1, Math.min(6, Math.floor((box.width + gap) / (minColumn + gap))));
    let best = null;
    for (let count = most; count >= Math.max(1, most - 1); count--) {
      const plan = planColumns(ids, entries, count, box, gap);
      // As many deeds as fit; fewer, wider columns (larger photos) only when they show as many
      // and fill the screen clearly better.
      if (!best || plan.placed > best.placed ||
          (plan.placed === best.placed && plan.score > best.score + 0.04)) { best = plan; }
    }
    best.gap = gap;
    return best;
  }

  async function renderWall() {
    if (wallBusy) { wallAgain = true; return; }
    wallBusy = true;
    try {
      do {
        wallAgain = false;
        await renderWallOnce();
      } while (wallAgain);
    } finally {
      wallBusy = false;
    }
  }

  async function renderWallOnce() {
    if (settings.layout !== "wall") { return; }
    const plan = planWall();
    if (!plan) { clearWall(); return; }
    const items = [];
    plan.columns.forEach(function (column) { column.items.forEach(function (item) { items.push(item); }); });
    // Every photo on the wall is loaded and decoded before the wall changes.
    await Promise.all(items.map(function (item) { return loadWallPhoto(item, plan.colWidth); }));
    if (wallAgain || settings.layout !== "wall") { return; }
    applyWall(plan);
  }

  function loadWallPhoto(item, colWidth) {
    const entry = item.entry;
    if (!item.photo) { return Promise.resolve(); }
    const cssWidth = Math.max(colWidth, Math.min(item.shown, item.box) * item.aspect);
    const rendition = pickRendition(item.photo, cssWidth);
    // A wide enough photo already on the card stays (no flicker to a smaller size).
    if (entry.img && entry.width >= rendition.width) { return Promise.resolve(); }
    if (entry.pending && entry.pending.url === rendition.url) { return entry.pending.promise; }
    const promise = decodedImage(rendition.url, "pcard-img").then(function (img) {
      if (entry.pending && entry.pending.url === rendition.url) { entry.pending = null; }
      if (!img) { return; }
      const frame = entry.el.querySelector(".pcard-photo");
      if (entry.img) { entry.img.replaceWith(img); } else { frame.appendChild(img); }
      entry.img = img;
      entry.width = rendition.width;
      entry.url = rendition.url;
    });
    entry.pending = { url: rendition.url, promise: promise };
    return promise;
  }

  function applyWall(plan) {
    const keep = new Set();
    const gap = plan.gap;
    plan.columns.forEach(function (column) {
      let top = 0;
      const left = column.index * (plan.colWidth + gap);
      column.items.forEach(function (item) {
        const card = cards.get(item.id);
        if (!card) { return; }
        const entry = item.entry;
        const el = entry.el;
        keep.add(item.id);
        const height = item.box + item.body;
        el.style.width = plan.colWidth + "px";
        el.style.height = height + "px";
        el.style.transform = "translate(" + left + "px, " + top + "px)";
        el.classList.toggle("is-expanded", item.expanded);
        el.classList.toggle("is-new", isNew(item.id));
        const frame = el.querySelector(".pcard-photo");
        if (frame) {
          frame.style.height = item.box + "px";
          if (entry.img) { entry.img.style.height = item.shown + "px"; }
        }
        el.classList.remove("is-leaving");
        if (entry.replaces) {
          if (entry.replaces.isConnected) {
            el.style.transform = entry.replaces.style.transform;
            entry.replaces.replaceWith(el);
          }
          entry.replaces = null;
        }
        if (!el.isConnected) {
          el.classList.add("is-entering");
          wallEl.appendChild(el);
          requestAnimationFrame(function () {
            requestAnimationFrame(function () { el.classList.remove("is-entering"); });
          });
        }
        top += height + gap;
      });
    });
    wallEl.dataset.columns = String(plan.count);
    for (const [id, entry] of Array.from(wallCards.entries())) {
      if (keep.has(id)) { continue; }
      leave(entry.el);
      if (!cards.has(id) || order.indexOf(id) >= WALL_CANDIDATES) { wallCards.delete(id); }
    }
    if (Array.from(keep).some(isNew)) { setTimeout(renderWall, NEW_GLOW_MS + 100); }
  }

  function leave(el) {
    if (!el.isConnected || el.classList.contains("is-leaving")) { return; }
    el.classList.add("is-leaving");
    setTimeout(function () {
      if (el.classList.contains("is-leaving")) { el.remove(); el.classList.remove("is-leaving"); }
    }, 700);
  }

  function clearWall() {
    wallCards.forEach(function (entry) { leave(entry.el); });
  }

  // ---- The slideshow -----------------------------------------------------------------------

  const show = {
    history: [],    // deed ids shown, oldest first
    pos: -1,        // where in history the screen is
    deck: [],       // this round's deeds not yet shown: each once before any repeats
    fresh: [],      // deeds that arrived live: shown next
    current: null,  // {id, version, el}
    prepared: null, // {id, key, promise}: the next slide, built and decoded ahead
    timer: null,
    token: 0
  };

  function shuffled(ids) {
    const list = ids.slice();
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      const swap = list[i];
      list[i] = list[j];
      list[j] = swap;
    }
    return list;
  }

  function refillDeck() {
    const currentId = show.current && show.current.id;
    let ids = order.filter(function (id) { return id !== currentId; });
    if (!ids.length) { ids = order.slice(); }
    show.deck = settings.shuffle ? shuffled(ids) : ids;
  }

  // What "next" shows: a deed that just arrived, else the way forward after going back, else
  // the rest of this round.
  function upcoming() {
    show.fresh = show.fresh.filter(function (id) { return cards.has(id); });
    if (show.fresh.length) { return { id: show.fresh[0], from: "fresh" }; }
    if (show.pos < show.history.length - 1) {
      return { id: show.history[show.pos + 1], from: "history" };
    }
    show.deck = show.deck.filter(function (id) { return cards.has(id); });
    if (!show.deck.length) { refillDeck(); }
    return show.deck.length ? { id: show.deck[0], from: "deck" } : null;
  }

  function viewportKey() {
    return [window.innerWidth, window.innerHeight, settings.names, settings.qr].join("x");
  }

  function slideKey(card, big) {
    return card.id + ":" + card.version + ":" + viewportKey() + ":" + (big ? 1 : 0);
  }

  // Build a slide for a card inside `container`, lay it out for this screen, fit its words
  // and decode its photo; resolve with the element, still invisible.
  async function buildSlide(card, container, spotlight) {
    const el = slideTemplate.content.firstElementChild.cloneNode(true);
    fillCommon(el, card);
    el.classList.add("is-preparing");
    el.querySelector(".slide-kicker").textContent = spotlight ? "" : root.dataset.title;
    el.querySelector(".slide-text").textContent = card.description;
    el.classList.toggle("is-new", !spotlight && isNew(card.id));
    container.appendChild(el);
    const width = window.innerWidth;
    const height = window.innerHeight;
    const pad = Math.round(Math.max(16, height * 0.04));
    const photo = firstPhoto(card);
    let photoWidth = 0;
    if (photo) {
      const ratio = aspect(photo);
      const panelMin = Math.max(width * 0.3, 340);
      photoWidth = Math.floor(Math.min(width - panelMin - 3 * pad, (height - 2 * pad) * ratio));
      const frame = el.querySelector(".slide-photo");
      frame.style.width = photoWidth + "px";
      frame.style.height = Math.floor(photoWidth / ratio) + "px";
    }
    fitWords(el);
    if (photo) {
      const rendition = pickRendition(photo, photoWidth);
      const img = await decodedImage(rendition.url, "slide-img");
      if (img) { el.querySelector(".slide-photo").appendChild(img); }
    }
    return el;
  }

  // The largest type that lets the whole description fit, never under the CSS minimum (28 px);
  // a description that still does not fit is cut with an ellipsis.
  function fitWords(el) {
    const words = el.querySelector(".slide-words");
    const textEl = el.querySelector(".slide-text");
    const style = getComputedStyle(textEl);
    const minimum = parseFloat(style.getPropertyValue("--min-font")) || 28;
    let size = parseFloat(style.fontSize);
    while (words.scrollHeight > words.clientHeight + 1 && size > minimum) {
      size = Math.max(minimum, size - 2);
      textEl.style.fontSize = size + "px";
    }
    if (words.scrollHeight > words.clientHeight + 1) {
      const lineHeight = parseFloat(getComputedStyle(textEl).lineHeight) || size * 1.3;
      textEl.style.webkitLineClamp = String(Math.max(1, Math.floor(words.clientHeight / lineHeight)));
      textEl.classList.add("is-clamped");
    }
  }

  function prepare(id) {
    const card = cards.get(id);
    if (!card) { return null; }
    const key = slideKey(card, false);
    if (show.prepared && show.prepared.key === key) { return show.prepared.promise; }
    discardPrepared();
    const promise = buildSlide(card, slidesEl, false);
    show.prepared = { id: id, key: key, promise: promise };
    return promise;
  }

  function discardPrepared() {
    const old = show.prepared;
    show.prepared = null;
    if (old) {
      old.promise.then(function (el) {
        if (!show.current || show.current.el !== el) { el.remove(); }
      });
    }
  }

  function prepareUpcoming() {
    if (settings.layout !== "slideshow") { return; }
    const next = upcoming();
    if (next) { prepare(next.id); }
  }

  async function goNext() {
    if (settings.layout !== "slideshow") { return; }
    const next = upcoming();
    if (!next) { return; }
    const token = ++show.token;
    const el = await prepare(next.id);
    if (token !== show.token || !el || !cards.has(next.id)) { return; }
    if (next.from === "history") {
      show.pos += 1;
    } else {
      show.fresh = show.fresh.filter(function (id) { return id !== next.id; });
      show.deck = show.deck.filter(function (id) { return id !== next.id; });
      show.history = show.history.slice(0, show.pos + 1);
      show.history.push(next.id);
      if (show.history.length > HISTORY) { show.history.shift(); }
      show.pos = show.history.length - 1;
    }
    display(next.id, el);
  }

  async function goPrevious() {
    if (settings.layout !== "slideshow" || show.pos <= 0) { return; }
    const id = show.history[show.pos - 1];
    const token = ++show.token;
    const el = await prepare(id);
    if (token !== show.token || !el) { return; }
    show.pos -= 1;
    display(id, el);
  }

  function display(id, el) {
    if (show.prepared && show.prepared.id === id) { show.prepared = null; }
    const old = show.current;
    el.classList.remove("is-preparing");
    el.classList.add("is-current");
    if (old && old.el !== el) {
      old.el.classList.remove("is-current");
      leave(old.el);
    }
    show.current = { id: id, version: cards.get(id).version, el: el };
    slidesEl.dataset.deedId = String(id);
    scheduleAdvance();
    prepareUpcoming();
  }

  // Show the current deed again at once (the screen size or the names setting changed).
  async function redrawSlide() {
    if (settings.layout !== "slideshow" || !show.current) { return; }
    const card = cards.get(show.current.id);
    if (!card) { goNext(); return; }
    const token = ++show.token;
    discardPrepared();
    const el = await buildSlide(card, slidesEl, false);
    if (token !== show.token) { el.remove(); return; }
    const old = show.current.el;
    el.classList.remove("is-preparing");
    el.classList.add("is-current", "is-instant");
    old.remove();
    show.current = { id: card.id, version: card.version, el: el };
    prepareUpcoming();
  }

  function scheduleAdvance() {
    clearTimeout(show.timer);
    progressEl.classList.remove("is-running");
    if (settings.layout !== "slideshow" || settings.paused || spotOn || !show.current) { return; }
    show.timer = setTimeout(goNext, settings.interval * 1000);
    // The thin bar along the bottom runs out when the next deed comes.
    void progressEl.offsetWidth;
    progressEl.style.animationDuration = settings.interval + "s";
    progressEl.classList.add("is-running");
  }

  function slideshowChanged(change) {
    if (change.fresh.length) {
      // Newly posted deeds come next, oldest of them first; each is shown once in this round.
      const fresh = change.fresh.slice().sort(function (a, b) { return a - b; });
      show.fresh = show.fresh.concat(fresh.filter(function (id) { return show.fresh.indexOf(id) < 0; }));
    }
    if (change.removed.length) {
      const currentId = show.current && show.current.id;
      show.history = show.history.filter(function (id) { return cards.has(id) || id === currentId; });
      show.pos = currentId ? show.history.lastIndexOf(currentId) : show.history.length - 1;
    }
    if (!show.current) {
      if (order.length) { goNext(); }
      return;
    }
    if (!cards.has(show.current.id)) {
      goNext();
      return;
    }
    if (change.changed.indexOf(show.current.id) >= 0) { redrawSlide(); return; }
    prepareUpcoming();
  }

  function startSlideshow() {
    if (!loaded) { return; }
    if (show.current && cards.has(show.current.id)) {
      redrawSlide().then(scheduleAdvance);
    } else if (order.length) {
      goNext();
    }
  }

  function stopSlideshow() {
    clearTimeout(show.timer);
    show.token += 1;
    progressEl.classList.remove("is-running");
    discardPrepared();
  }

  // ---- Spotlight -----------------------------------------------------------------------------

  let spotKey = null;
  let spotOn = false;

  async function showSpotlight(card) {
    const key = card ? slideKey(card, true) : null;
    if (key === spotKey) { return; }
    spotKey = key;
    if (!card) {
      spotOn = false;
      spotEl.classList.remove("is-on");
      root.classList.remove("has-spotlight");
      Array.from(spotEl.children).forEach(leave);
      delete spotEl.dataset.deedId;
      scheduleAdvance();
      return;
    }
    const el = await buildSlide(card, spotEl, true);
    if (spotKey !== key) { el.remove(); return; }
    Array.from(spotEl.children).forEach(function (child) { if (child !== el) { leave(child); } });
    el.classList.remove("is-preparing");
    el.classList.add("is-current");
    spotEl.dataset.deedId = String(card.id);
    spotEl.classList.add("is-on");
    root.classList.add("has-spotlight");
    spotOn = true;
    clearTimeout(show.timer);
    progressEl.classList.remove("is-running");
  }

  // ---- Controls ------------------------------------------------------------------------------

  function button(action) {
    return controls.querySelector('[data-action="' + action + '"]');
  }

  function setPressed(action, on) {
    const el = button(action);
    if (el) { el.setAttribute("aria-pressed", on ? "true" : "false"); }
  }

  function setLayout(layout) {
    settings.layout = layout;
    store("layout", layout);
    root.classList.toggle("layout-wall", layout === "wall");
    root.classList.toggle("layout-slideshow", layout === "slideshow");
    wallEl.hidden = layout !== "wall";
    slidesEl.hidden = layout !== "slideshow";
    setPressed("wall", layout === "wall");
    setPressed("slideshow", layout === "slideshow");
    if (layout === "wall") {
      stopSlideshow();
      if (loaded) { renderWall(); }
    } else {
      startSlideshow();
    }
  }

  function togglePause() {
    if (settings.layout !== "slideshow") { return; }
    settings.paused = !settings.paused;
    root.classList.toggle("is-paused", settings.paused);
    const el = button("pause");
    el.textContent = settings.paused ? root.dataset.textPlay : root.dataset.textPause;
    el.setAttribute("aria-pressed", settings.paused ? "true" : "false");
    scheduleAdvance();
  }

  function toggleShuffle() {
    settings.shuffle = !settings.shuffle;
    store("shuffle", settings.shuffle ? "1" : "0");
    setPressed("shuffle", settings.shuffle);
    // The rest of this round, in the new order: still each deed once.
    const left = new Set(show.deck);
    show.deck = settings.shuffle ? shuffled(show.deck) : order.filter(function (id) { return left.has(id); });
    prepareUpcoming();
  }

  function toggleNames() {
    settings.names = !settings.names;
    store("names", settings.names ? "1" : "0");
    applyNames();
    relayout();
  }

  function applyNames() {
    root.classList.toggle("names-hidden", !settings.names);
    setPressed("names", settings.names);
  }

  function toggleQr() {
    settings.qr = !settings.qr;
    store("qr", settings.qr ? "1" : "0");
    applyQr();
    relayout();
  }

  function applyQr() {
    qrEl.hidden = !settings.qr;
    root.classList.toggle("qr-on", settings.qr);
    setPressed("qr", settings.qr);
    root.style.setProperty("--qr-space", settings.qr ? qrEl.offsetHeight + "px" : "0px");
  }

  function setSlideInterval(seconds) {
    settings.interval = seconds;
    store("interval", seconds);
    scheduleAdvance();
  }

  function fillIntervals() {
    const values = INTERVALS.slice();
    if (values.indexOf(settings.interval) < 0) {
      values.push(settings.interval);
      values.sort(function (a, b) { return a - b; });
    }
    intervalSelect.replaceChildren.apply(intervalSelect, values.map(function (seconds) {
      const option = document.createElement("option");
      option.value = String(seconds);
      option.textContent = seconds + " s";
      option.selected = seconds === settings.interval;
      return option;
    }));
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(function () {});
    } else if (html.requestFullscreen) {
      html.requestFullscreen().catch(function () {});
    }
  }

  function fullscreenChanged() {
    const el = button("fullscreen");
    const on = Boolean(document.fullscreenElement);
    el.textContent = on ? root.dataset.textExitFullscreen : root.dataset.textFullscreen;
    el.setAttribute("aria-pressed", on ? "true" : "false");
  }

  let relayoutTimer = null;
  function relayout() {
    clearTimeout(relayoutTimer);
    relayoutTimer = setTimeout(function () {
      if (settings.qr) { root.style.setProperty("--qr-space", qrEl.offsetHeight + "px"); }
      if (settings.layout === "wall") { renderWall(); } else { redrawSlide(); }
      const spot = spotEl.dataset.deedId && cards.get(Number(spotEl.dataset.deedId));
      if (spot) { spotKey = null; showSpotlight(spot); }
    }, 120);
  }

  controls.addEventListener("click", function (event) {
    const target = event.target.closest("button[data-action]");
    if (!target) { return; }
    const action = target.dataset.action;
    if (action === "wall" || action === "slideshow") { setLayout(action); }
    else if (action === "pause") { togglePause(); }
    else if (action === "next") { goNext(); }
    else if (action === "previous") { goPrevious(); }
    else if (action === "shuffle") { toggleShuffle(); }
    else if (action === "names") { toggleNames(); }
    else if (action === "qr") { toggleQr(); }
    else if (action === "fullscreen") { toggleFullscreen(); }
    if (event.detail > 0) { target.blur(); }  // a tap or click: let the bar fade again
  });

  intervalSelect.addEventListener("change", function () {
    setSlideInterval(Number(intervalSelect.value));
  });

  // A tap on the slideshow: the left third goes back, the rest forward.
  slidesEl.addEventListener("click", function (event) {
    if (event.clientX < window.innerWidth / 3) { goPrevious(); } else { goNext(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    const target = event.target;
    const inControl = target && target.closest && target.closest("button, a, select, input, textarea");
    const inSelect = target && target.closest && target.closest("select");
    switch (event.key) {
      case "w": case "W": setLayout("wall"); break;
      case "s": case "S": setLayout("slideshow"); break;
      case "f": case "F": toggleFullscreen(); break;
      case "n": case "N": toggleNames(); break;
      case "q": case "Q": toggleQr(); break;
      case "r": case "R": toggleShuffle(); break;
      case " ": case "Spacebar":
        if (inControl) { return; }
        togglePause(); break;
      case "ArrowRight": case "ArrowDown": case "PageDown":
        if (inSelect) { return; }
        goNext(); break;
      case "ArrowLeft": case "ArrowUp": case "PageUp":
        if (inSelect) { return; }
        goPrevious(); break;
      case "Tab": wake(); return;
      default: return;
    }
    event.preventDefault();
  });

  // ---- Idle: the cursor and the control bar go away after a few quiet seconds ----------------

  let idleTimer = null;
  function wake() {
    root.classList.remove("is-idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { root.classList.add("is-idle"); }, IDLE_MS);
  }
  ["mousemove", "pointerdown", "touchstart", "wheel"].forEach(function (name) {
    document.addEventListener(name, wake, { passive: true });
  });

  window.addEventListener("resize", relayout);
  document.addEventListener("fullscreenchange", fullscreenChanged);

  // ---- Start ---------------------------------------------------------------------------------

  if (!document.fullscreenEnabled) { button("fullscreen").hidden = true; }
  fillIntervals();
  setPressed("shuffle", settings.shuffle);
  applyNames();
  applyQr();
  setLayout(settings.layout);
  wake();
  poll();
}());
