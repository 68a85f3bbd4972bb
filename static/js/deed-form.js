// The deed form: camera or library, a large preview, a live character count, and a light
// upload: the photo is shrunk in the browser to 1920 px before sending, with progress shown.
// A refusal shows its messages in place (the chosen photo stays); without a connection the deed
// goes to the tablet's outbox (outbox.js), which sends it when it can.
(function () {
  "use strict";

  var MAX_SIDE = 1920;  // the largest rendition the server stores
  var QUALITY = 0.8;  // the server re-encodes at 80 too; a smaller upload is a faster send
  var clientId = null;
  var shrunk = null;  // the chosen file and its shrinking, started as soon as it is chosen

  function init() {
    var form = document.getElementById("deed-form");
    if (!form) { return; }
    var input = form.querySelector("input[type=file]");
    var preview = document.getElementById("photo-preview");
    var library = document.getElementById("photo-library");
    var description = form.querySelector("textarea");
    var counter = document.getElementById("description-count");

    // One file input: the camera button keeps `capture`, the library button drops it for one pick.
    if (library) {
      library.hidden = false;
      library.addEventListener("click", function () {
        input.removeAttribute("capture");
        input.click();
        setTimeout(function () { input.setAttribute("capture", "environment"); }, 1000);
      });
    }

    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { preview.hidden = true; blur("close"); return; }
      if (preview.src) { URL.revokeObjectURL(preview.src); }
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
      var kept = document.getElementById("photo-kept");
      if (kept) { kept.hidden = true; }  // the new photo replaces the kept one
      noteAnimation(input, file);
      shrunk = { file: file, photo: shrink(file) };  // ready by the time "Lähetä" is tapped
      blur("open", shrunk.photo);  // the blur editor over the preview (blur-editor.js)
    });

    if (description && counter) {
      description.addEventListener("input", function () {
        counter.textContent = String(description.value.length);
      });
    }

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest || !window.Promise) { return; }
      event.preventDefault();
      send(form, input);
    });
    ["input", "change"].forEach(function (type) {
      form.addEventListener(type, function (event) { clearField(event.target.closest(".field")); });
    });
  }

  // The board keeps the first frame of an animation (GIF, APNG, WebP, AVIF): say so first.
  function noteAnimation(input, file) {
    var note = document.getElementById("photo-animated");
    if (!note) { return; }
    note.hidden = true;
    if (!file.slice || !window.Uint8Array) { return; }
    read(file.slice(0, 65536)).then(function (head) {
      // A GIF's frames can only be counted by walking through all of it.
      return ascii(head, 0, 3) === "GIF" ? read(file) : head;
    }).then(function (bytes) {
      if (input.files && input.files[0] === file) { note.hidden = !isAnimated(bytes); }
    }).catch(function () { note.hidden = true; });
  }

  function read(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(new Uint8Array(reader.result)); };
      reader.onerror = reject;
      reader.readAsArrayBuffer(blob);
    });
  }

  function ascii(bytes, at, length) {
    return String.fromCharCode.apply(null, bytes.subarray(at, at + length));
  }

  function isAnimated(bytes) {
    if (ascii(bytes, 0, 3) === "GIF") { return gifFrames(bytes) > 1; }
    if (ascii(bytes, 1, 3) === "PNG") { return apngFrames(bytes) > 1; }
    if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") {
      return ascii(bytes, 12, 4) === "VP8X" && (bytes[20] & 2) !== 0;  // the animation flag
    }
    return ascii(bytes, 4, 8) === "ftypavis";  // an AVIF image sequence
  }

  function uint32(bytes, at) {
    return ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
  }

  // APNG: an acTL chunk before the first IDAT gives the number of frames.
  function apngFrames(bytes) {
    for (var at = 8; at + 16 <= bytes.length; at += 12 + uint32(bytes, at)) {
      var type = ascii(bytes, at + 4, 4);
      if (type === "acTL") { return uint32(bytes, at + 8); }
      if (type === "IDAT") { break; }
    }
    return 1;
  }

  // GIF: count image descriptors (0x2C) up to the second, skipping extensions and pixel data.
  function gifFrames(bytes) {
    var frames = 0;
    var at = 13 + (bytes[10] & 0x80 ? 3 << ((bytes[10] & 7) + 1) : 0);
    while (at < bytes.length && frames < 2) {
      if (bytes[at] === 0x21) {
        at = skipSubBlocks(bytes, at + 2);
      } else if (bytes[at] === 0x2C) {
        frames += 1;
        var packed = bytes[at + 9];
        at += 10 + (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);
        at = skipSubBlocks(bytes, at + 1);  // after the LZW code size
      } else {
        break;  // the trailer, or damage
      }
    }
    return frames;
  }

  function skipSubBlocks(bytes, at) {
    while (at < bytes.length && bytes[at] !== 0) { at += bytes[at] + 1; }
    return at + 1;
  }

  // Decode with EXIF orientation applied, draw at most MAX_SIDE wide/high (the largest stored
  // rendition), encode as JPEG. WebP was measured slower from tap to board (bench/send_to_board.py:
  // 1.95 s against 1.31 s): the server shrinks a JPEG while decoding it (draft mode), not a WebP.
  function shrink(file) {
    if (!file || !window.createImageBitmap || !/^image\//.test(file.type)) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = MAX_SIDE / Math.max(bitmap.width, bitmap.height);
      if (scale >= 1) { bitmap.close(); return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return encode(canvas, "image/jpeg").then(function (blob) {
        return blob ? new File([blob], "photo.jpg", { type: blob.type }) : file;
      });
    }).catch(function () { return file; });  // e.g. HEIC in a browser that cannot decode it
  }

  // The blob in that type, or null when the browser would fall back to another type.
  function encode(canvas, type) {
    return new Promise(function (resolve) {
      canvas.toBlob(function (blob) {
        resolve(blob && blob.type === type ? blob : null);
      }, type, QUALITY);
    });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); });
    return [hex.slice(0, 4), hex.slice(4, 6), hex.slice(6, 8), hex.slice(8, 10), hex.slice(10)]
      .map(function (part) { return part.join(""); }).join("-");
  }

  // --- Sending: the server judges; field errors appear in place, nothing chosen is lost -------

  function send(form, input) {
    clearErrors(form);
    var original = input.files && input.files[0];
    if (!original && !form.elements.kept_photo.value) {
      showErrors(form, { photo: [form.dataset.photoRequired] });
      return;
    }
    clientId = clientId || newId();  // the same deed keeps its id through every retry
    busy(true);
    var ready = shrunk && shrunk.file === original ? shrunk.photo : shrink(original);
    ready.then(function (photo) {
      // Burned on the tablet before anything is uploaded or queued: no unblurred copy leaves.
      return blur("burn", photo, encode) || photo;
    }).then(function (photo) {
      var data = new FormData(form);
      if (photo) { data.set(input.name, photo, photo.name); }
      data.set("client_id", clientId);
      if (!navigator.onLine || !original) {
        return !original ? form.submit() : queue(form, photo, "waiting");
      }
      upload(form, data, photo);
    }, function () {
      busy(false);
      showErrors(form, { photo: [form.dataset.blurFailed] });
    });
  }

  // Call the blur editor when it is there (it is not without canvas support).
  function blur(what) {
    var editor = window.TekotauluBlur;
    return editor ? editor[what].apply(null, Array.prototype.slice.call(arguments, 1)) : null;
  }

  function upload(form, data, photo) {
    var progress = document.getElementById("upload-progress");
    var label = document.getElementById("upload-percent");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.api);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", form.elements.csrf_token ? form.elements.csrf_token.value : "");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.round(100 * event.loaded / event.total);
      progress.querySelector("progress").value = percent;
      label.textContent = percent + " %";
    });
    xhr.addEventListener("load", function () { answered(form, xhr, photo); });
    // No answer (no connection, or it broke after the server got the deed): the outbox sends
    // it again under the same id, so the deed is made exactly once.
    xhr.addEventListener("error", function () { queue(form, photo, "waiting"); });
    xhr.addEventListener("timeout", function () { queue(form, photo, "waiting"); });
    xhr.send(data);
  }

  function answered(form, xhr, photo) {
    var answer = {};
    try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = {}; }
    var status = xhr.status;
    if (status === 200 || status === 201) { window.location.assign(answer.redirect); return; }
    if (status === 401 || answer.reason === "csrf") { queue(form, photo, "signin"); return; }
    if (status >= 500 || status === 0 || status === 429) { queue(form, photo, "waiting"); return; }
    busy(false);
    showErrors(form, answer.errors || { photo: [answer.error || ""] });
  }

  // Keep the deed on the tablet; the outbox sends it (and says so) when it can.
  function queue(form, photo, state) {
    var outbox = window.TekotauluOutbox;
    if (!outbox) { form.submit(); return; }
    var fields = {};
    ["description", "unit", "customer_type", "happened_on"].forEach(function (name) {
      fields[name] = form.elements[name].value;
    });
    if (form.elements.consent.checked) { fields.consent = "y"; }
    outbox.add(clientId, fields, photo, state).then(function () {
      clientId = null;
      shrunk = null;
      form.reset();  // ready for the next deed; this one is safe in the outbox
      form.elements.description.dispatchEvent(new Event("input", { bubbles: true }));
      var preview = document.getElementById("photo-preview");
      preview.hidden = true;
      preview.removeAttribute("src");
      blur("close");
      busy(false);
      var box = document.getElementById("outbox");
      box.scrollIntoView({ block: "start" });
      box.focus({ preventScroll: true });
    });
  }

  function busy(on) {
    document.getElementById("send-button").disabled = on;
    var progress = document.getElementById("upload-progress");
    progress.hidden = !on;
    if (on) { document.getElementById("upload-percent").textContent = progress.dataset.preparing; }
  }

  function fieldOf(form, name) {
    var control = form.elements[name];
    if (control && control.length && !control.tagName) { control = control[0]; }
    return { control: control || null, box: control ? control.closest(".field") : null };
  }

  // Errors under their fields, the first one focused and announced.
  function showErrors(form, errors) {
    Object.keys(errors).forEach(function (name) {
      var where = fieldOf(form, name);
      var box = where.box || form.querySelector(".photo-field");
      var note = document.createElement("p");
      note.className = "field-error";
      note.id = name + "-error";
      note.textContent = errors[name][0];
      box.classList.add("has-error");
      box.appendChild(note);
      if (where.control) {
        where.control.setAttribute("aria-invalid", "true");
        where.control.setAttribute("aria-describedby", note.id);
      }
    });
    var first = form.querySelector(".has-error");
    if (!first) { return; }
    var error = first.querySelector(".field-error");
    error.setAttribute("role", "alert");
    first.scrollIntoView({ block: "center" });
    var control = first.querySelector("input:not([type=hidden]), textarea, select");
    if (control) { control.focus({ preventScroll: true }); }
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".has-error"), clearField);
  }

  // A field's error goes as soon as the field is changed: the server judges again on send.
  function clearField(box) {
    if (!box) { return; }
    box.classList.remove("has-error");
    Array.prototype.forEach.call(box.querySelectorAll(".field-error"), function (note) {
      note.remove();
    });
    Array.prototype.forEach.call(box.querySelectorAll("[aria-invalid]"), function (control) {
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-describedby");
    });
  }

  init();
})();
