// Privacy blur on the deed form: the poster paints over faces, name tags, addresses or medicine
// labels, and faces found on the tablet are pre-marked. The blur is burned into the pixels here,
// before anything is uploaded or queued: nothing unblurred leaves the tablet once marked.
// deed-form.js calls open() when a photo is chosen, burn() when sending and close() after queueing.
(function () {
  "use strict";

  var MAX_SIDE = 1920;  // the same limit as the shrunk upload: the editor works on what is sent
  var BLOCKS = 25;  // blocks along the long side: each at least 1/25 of it, so no detail survives
  var BRUSHES = { small: 1 / 30, large: 1 / 10 };  // brush widths as parts of the long side
  var TAP = 10;  // a press that moves less (CSS px) is a tap on a mark, not a stroke
  var DETECTION_WAIT = 15000;  // on send, wait this long at most for faces still being found
  var GROW_X = 1.35;  // the detector's box is eyebrows to chin: widen it to the ears...
  var GROW_Y = 1.6;  // ...and heighten it to the hair and the chin's underside
  var LIFT = 0.1;  // ...moving it up a little, where the forehead and hair are
  // Faces score above 0.9 in portraits; busy textures without people reached 0.5 now and then.
  var SCORE = 0.6;

  var editor = null;  // the form's elements and texts
  var session = null;  // the photo being edited: its pixels, blur, marks, strokes and history
  var faceApi = null;  // a promise of the loaded face detector, made once per page

  function init() {
    var root = document.getElementById("blur-editor");
    if (!root || !window.createImageBitmap || !window.Promise) { return; }
    editor = {
      root: root,
      canvas: document.getElementById("blur-canvas"),
      mode: document.getElementById("blur-mode"),
      brushes: root.querySelectorAll("[data-brush]"),
      undo: document.getElementById("blur-undo"),
      clear: document.getElementById("blur-clear"),
      status: document.getElementById("face-status"),
      marks: document.getElementById("face-marks"),
      warning: document.getElementById("face-warning"),
      consent: document.querySelector("input[name=consent]")
    };
    editor.mode.addEventListener("click", function () { setPainting(!isPainting()); });
    Array.prototype.forEach.call(editor.brushes, function (button) {
      button.addEventListener("click", function () { chooseBrush(button.dataset.brush); });
    });
    editor.undo.addEventListener("click", undo);
    editor.clear.addEventListener("click", clearAll);
    listen(editor.canvas);
    window.TekotauluBlur = { open: open, burn: burn, close: close };
  }

  // --- A photo is chosen: show it in the editor, then look for faces ------------------------

  function open(photo) {
    close();
    var mine = session = { strokes: [], marks: [], history: [], brush: "small", painting: null };
    mine.detection = photo.then(function (file) {
      return createImageBitmap(file, { imageOrientation: "from-image" });
    }).then(function (bitmap) {
      if (session !== mine) { bitmap.close(); return null; }
      start(mine, bitmap);
      return afterPaint().then(function () { return findFaces(mine); });
    }).catch(function () {
      if (session === mine) { close(); }  // not an image this browser can draw: no editor
      return null;
    });
  }

  function close() {
    session = null;
    if (!editor) { return; }
    editor.root.hidden = true;
    editor.marks.textContent = "";
    editor.status.textContent = "";
    setPainting(false);
    showWarning(false);
  }

  // Draw the photo at most MAX_SIDE, make its blurred copy and the mask, show the editor.
  function start(mine, bitmap) {
    var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    mine.source = canvasOf(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
    var context = mine.source.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, mine.source.width, mine.source.height);
    bitmap.close();
    mine.long = Math.max(mine.source.width, mine.source.height);
    mine.blurred = blurredCopy(mine.source);
    mine.mask = canvasOf(mine.source.width, mine.source.height);
    mine.layer = canvasOf(mine.source.width, mine.source.height);
    editor.canvas.width = mine.source.width;
    editor.canvas.height = mine.source.height;
    chooseBrush(mine.brush);
    document.getElementById("photo-preview").hidden = true;  // the editor shows the same photo
    editor.root.hidden = false;
    update();
  }

  // Pixelate: average the photo down to BLOCKS along its long side, halving step by step so
  // every pixel counts. Then blur: stretch it back smoothly, a tent blur two blocks wide.
  function blurredCopy(source) {
    var step = Math.max(source.width, source.height) / BLOCKS;
    var width = Math.max(1, Math.round(source.width / step));
    var height = Math.max(1, Math.round(source.height / step));
    var small = source;
    while (small.width / 2 > width && small.height / 2 > height) {
      small = scaled(small, Math.round(small.width / 2), Math.round(small.height / 2));
    }
    return scaled(scaled(small, width, height), source.width, source.height);
  }

  function scaled(image, width, height) {
    var canvas = canvasOf(width, height);
    var context = canvas.getContext("2d");
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    context.drawImage(image, 0, 0, width, height);
    return canvas;
  }

  function canvasOf(width, height) {
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }

  // Resolves after the browser has painted the editor: detection must not hold up the form.
  function afterPaint() {
    return new Promise(function (resolve) {
      requestAnimationFrame(function () { setTimeout(resolve, 0); });
    });
  }

  // --- Faces found on the tablet: the model ships with the app, nothing goes elsewhere --------

  function findFaces(mine) {
    say(editor.root.dataset.finding);
    var started = performance.now();
    return loadFaceApi().then(function (api) {
      if (session !== mine) { return null; }
      var options = new api.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: SCORE });
      return api.detectAllFaces(mine.source, options);
    }).then(function (found) {
      if (session !== mine || !found) { return null; }
      editor.root.dataset.detectMs = String(Math.round(performance.now() - started));
      found.forEach(function (face) { mine.marks.push(markFor(face.box, mine)); });
      say(found.length ? editor.root.dataset.found.replace("{n}", found.length)
        : editor.root.dataset.none);
      update();
      return found.length;
    }, function () {
      if (session === mine) { say(editor.root.dataset.unavailable); }
      return null;
    });
  }

  // Loaded on first use, after the preview shows; CPU backend: no WebGL or WASM needed. The
  // weights are fetched here (not by face-api's loader) so that every URL carries its version
  // and the service worker may keep them: faces are then found offline too.
  function loadFaceApi() {
    if (faceApi) { return faceApi; }
    var texts = editor.root.dataset;
    faceApi = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = texts.faceApi;
      script.onload = function () { return window.faceapi ? resolve(window.faceapi) : reject(); };
      script.onerror = reject;
      document.head.appendChild(script);
    }).then(function (api) {
      return api.tf.setBackend("cpu").then(function () {
        return Promise.all([fetched(texts.faceManifest, "json"), fetched(texts.faceWeights, "arrayBuffer"),
          api.tf.ready()]);
      }).then(function (files) {
        var weights = api.tf.io.decodeWeights(files[1], files[0][0].weights);
        api.nets.tinyFaceDetector.loadFromWeightMap(weights);
        keepOffline([texts.faceApi, texts.faceManifest, texts.faceWeights]);
        return api;
      });
    });
    faceApi.catch(function () { faceApi = null; });  // the next photo may try again
    return faceApi;
  }

  function fetched(url, how) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(url + ": " + response.status); }
      return response[how]();
    });
  }

  // Ask the service worker (outbox.js registers it) to keep the detector with the app shell.
  function keepOffline(urls) {
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (worker) { worker.postMessage({ shell: urls }); }
  }

  // The detector's box, enlarged to the whole head, as an ellipse in photo pixels.
  function markFor(box, mine) {
    return {
      x: box.x + box.width / 2,
      y: box.y + box.height / 2 - LIFT * box.height,
      rx: box.width / 2 * GROW_X,
      ry: box.height / 2 * GROW_Y,
      on: true,
      number: mine.marks.length + 1
    };
  }

  function say(text) { editor.status.textContent = text || ""; }

  // --- Painting: pointer events; the page scrolls as usual unless "Sumenna" is on -------------

  function isPainting() { return editor.mode.getAttribute("aria-pressed") === "true"; }

  function setPainting(on) {
    editor.mode.setAttribute("aria-pressed", on ? "true" : "false");
    editor.root.classList.toggle("is-painting", on);  // touch-action: none only then (CSS)
  }

  function chooseBrush(name) {
    if (session) { session.brush = name; }
    Array.prototype.forEach.call(editor.brushes, function (button) {
      button.setAttribute("aria-pressed", button.dataset.brush === name ? "true" : "false");
    });
  }

  function listen(canvas) {
    canvas.addEventListener("pointerdown", function (event) {
      if (!session || !session.source) { return; }
      var at = pointOf(event);
      session.press = { x: event.clientX, y: event.clientY, at: at };
      if (!isPainting()) { return; }
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      var width = session.long * BRUSHES[session.brush];
      session.painting = { width: width, points: [at] };
      dab(session.mask.getContext("2d"), session.painting);
      draw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!session || !session.painting) { return; }
      var stroke = session.painting;
      stroke.points.push(pointOf(event));
      dab(session.mask.getContext("2d"), stroke, stroke.points.length - 2);
      draw();
    });
    canvas.addEventListener("pointerup", function (event) {
      if (!session || !session.press) { return; }
      var press = session.press;
      var moved = Math.hypot(event.clientX - press.x, event.clientY - press.y);
      var mark = moved < TAP ? markAt(press.at) : null;
      var stroke = session.painting;
      session.press = session.painting = null;
      if (mark) { toggleMark(mark); return; }  // a tap on a mark: remove it, or bring it back
      if (stroke) { remember(); session.strokes.push(stroke); update(); }
    });
    canvas.addEventListener("pointercancel", function () {
      if (!session) { return; }
      session.press = session.painting = null;
      update();  // the unfinished stroke goes
    });
  }

  function pointOf(event) {
    var box = editor.canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * editor.canvas.width / box.width,
      y: (event.clientY - box.top) * editor.canvas.height / box.height
    };
  }

  // The last mark under the point (ellipse test), or null.
  function markAt(point) {
    for (var i = session.marks.length - 1; i >= 0; i -= 1) {
      var mark = session.marks[i];
      var dx = (point.x - mark.x) / mark.rx;
      var dy = (point.y - mark.y) / mark.ry;
      if (dx * dx + dy * dy <= 1) { return mark; }
    }
    return null;
  }

  // Paint a stroke onto the mask, from point `from` on (all of it when not given).
  function dab(context, stroke, from) {
    var points = stroke.points;
    var first = Math.max(0, from || 0);
    context.fillStyle = context.strokeStyle = "#000";
    context.lineWidth = stroke.width;
    context.lineCap = context.lineJoin = "round";
    if (points.length === 1 || first === points.length - 1) {
      var at = points[points.length - 1];
      context.beginPath();
      context.arc(at.x, at.y, stroke.width / 2, 0, 2 * Math.PI);
      context.fill();
      if (points.length === 1) { return; }
    }
    context.beginPath();
    context.moveTo(points[first].x, points[first].y);
    for (var i = first + 1; i < points.length; i += 1) { context.lineTo(points[i].x, points[i].y); }
    context.stroke();
  }

  // --- Undo, remove all, marks on and off ------------------------------------------------------

  function remember() {
    session.history.push({
      strokes: session.strokes.slice(),
      on: session.marks.map(function (mark) { return mark.on; })
    });
  }

  function undo() {
    if (!session || !session.history.length) { return; }
    var before = session.history.pop();
    session.strokes = before.strokes;
    session.marks.forEach(function (mark, i) { mark.on = before.on[i]; });
    update();
  }

  function clearAll() {
    if (!session || !hasBlur()) { return; }
    remember();
    session.strokes = [];
    session.marks.forEach(function (mark) { mark.on = false; });
    update();
  }

  function toggleMark(mark) {
    remember();
    mark.on = !mark.on;
    update();
  }

  function hasBlur() {
    return session.strokes.length > 0 || session.marks.some(function (mark) { return mark.on; });
  }

  function facesLeft() {
    return session.marks.some(function (mark) { return !mark.on; });
  }

  // After any change: the mask from scratch, the picture, the buttons and the warning.
  function update() {
    if (!session || !session.source) { return; }
    var context = session.mask.getContext("2d");
    context.clearRect(0, 0, session.mask.width, session.mask.height);
    session.strokes.forEach(function (stroke) { dab(context, stroke); });
    session.marks.forEach(function (mark) {
      if (!mark.on) { return; }
      context.beginPath();
      context.ellipse(mark.x, mark.y, mark.rx, mark.ry, 0, 0, 2 * Math.PI);
      context.fill();
    });
    draw();
    editor.undo.disabled = !session.history.length;
    editor.clear.disabled = !hasBlur();
    listMarks();
    showWarning(facesLeft());
  }

  // A button for each mark: the keyboard's way to remove and bring back a face's blur.
  function listMarks() {
    var texts = editor.root.dataset;
    editor.marks.textContent = "";
    session.marks.forEach(function (mark) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-small face-mark";
      button.setAttribute("aria-pressed", mark.on ? "true" : "false");
      button.textContent = (mark.on ? texts.markOn : texts.markOff).replace("{n}", mark.number);
      button.addEventListener("click", function () {
        toggleMark(mark);
        var again = editor.marks.children[mark.number - 1];
        if (again) { again.focus(); }
      });
      editor.marks.appendChild(button);
    });
  }

  function showWarning(on) {
    if (!editor.warning) { return; }
    editor.warning.hidden = !on;
    if (on) { editor.consent.setAttribute("aria-describedby", editor.warning.id); }
    else if (editor.consent.getAttribute("aria-describedby") === editor.warning.id) {
      editor.consent.removeAttribute("aria-describedby");
    }
  }

  // --- Drawing: what the poster sees is what is sent, plus the marks' outlines ----------------

  function draw() {
    var mine = session;
    if (mine.frame) { return; }
    mine.frame = requestAnimationFrame(function () {
      mine.frame = 0;
      if (session !== mine) { return; }
      var context = editor.canvas.getContext("2d");
      compose(context);
      outline(context);
    });
  }

  // The photo with the blurred copy laid over it wherever the mask is painted.
  function compose(context) {
    var layer = session.layer.getContext("2d");
    layer.globalCompositeOperation = "copy";
    layer.drawImage(session.mask, 0, 0);
    layer.globalCompositeOperation = "source-in";
    layer.drawImage(session.blurred, 0, 0);
    layer.globalCompositeOperation = "source-over";
    context.drawImage(session.source, 0, 0);
    context.drawImage(session.layer, 0, 0);
  }

  // Face marks: solid when blurred, dashed when the poster took the blur away.
  function outline(context) {
    var width = Math.max(3, session.long / 250);
    session.marks.forEach(function (mark) {
      context.save();
      context.beginPath();
      context.ellipse(mark.x, mark.y, mark.rx, mark.ry, 0, 0, 2 * Math.PI);
      context.lineWidth = width * 2;
      context.strokeStyle = "rgba(255, 255, 255, .9)";
      context.setLineDash(mark.on ? [] : [width * 4, width * 3]);
      context.stroke();
      context.lineWidth = width;
      context.strokeStyle = mark.on ? "#1d4e6b" : "#b3264f";
      context.stroke();
      context.restore();
    });
  }

  // --- Sending: the blur burned in, encoded like the shrunk photo -----------------------------

  // The photo to upload or queue: burned when anything is blurred, else the photo as it was.
  // Faces still being looked for are waited for (briefly): a face must not slip through.
  function burn(photo, encode) {
    var mine = session;
    if (!mine) { return Promise.resolve(photo); }
    var waited = new Promise(function (resolve) { setTimeout(resolve, DETECTION_WAIT); });
    return Promise.race([mine.detection, waited]).then(function () {
      if (session !== mine || !mine.source || !hasBlur()) { return photo; }
      var out = canvasOf(mine.source.width, mine.source.height);
      update();
      compose(out.getContext("2d"));
      return encode(out, "image/jpeg").then(function (blob) {
        if (!blob) { throw new Error("the blurred photo could not be encoded"); }
        return new File([blob], "photo.jpg", { type: blob.type });
      });
    });
  }

  init();
})();
