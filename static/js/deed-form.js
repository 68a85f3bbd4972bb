// The deed form: camera or library, a large preview, a live character count, and a light
// upload: the photo is shrunk in the browser to 2048 px before sending, with progress shown.
(function () {
  "use strict";

  var MAX_SIDE = 2048;
  var JPEG_QUALITY = 0.85;

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
      if (!file) { preview.hidden = true; return; }
      if (preview.src) { URL.revokeObjectURL(preview.src); }
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
      noteAnimation(input, file);
    });

    if (description && counter) {
      description.addEventListener("input", function () {
        counter.textContent = String(description.value.length);
      });
    }

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      send(form, input);
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

  // Decode with EXIF orientation applied, draw at most MAX_SIDE wide/high, encode as JPEG.
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
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], "photo.jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", JPEG_QUALITY);
      });
    }).catch(function () { return file; });  // e.g. HEIC in a browser that cannot decode it
  }

  function send(form, input) {
    var button = document.getElementById("send-button");
    var progress = document.getElementById("upload-progress");
    var label = document.getElementById("upload-percent");
    button.disabled = true;
    progress.hidden = false;
    label.textContent = progress.dataset.preparing;
    var original = input.files && input.files[0];
    shrink(original).then(function (photo) {
      var data = new FormData(form);
      if (photo && photo !== original) { data.set(input.name, photo, photo.name); }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      // JSON for success and for errors outside the form (too large, expired); a refused form
      // comes back as its HTML page with the messages in place.
      xhr.setRequestHeader("Accept", "application/json, text/html;q=0.9");
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) { return; }
        var percent = Math.round(100 * event.loaded / event.total);
        progress.querySelector("progress").value = percent;
        label.textContent = percent + " %";
      });
      xhr.addEventListener("load", function () { finish(xhr); });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(data);
    });
  }

  // Success answers with where to go; a refusal comes back as the form page with its messages.
  function finish(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("application/json") === 0) {
      var answer = JSON.parse(xhr.responseText);
      if (answer.redirect) { window.location.assign(answer.redirect); return; }
      showError(answer.error || "");
      return;
    }
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var main = page.getElementById("main");
    if (!main) { document.open(); document.write(xhr.responseText); document.close(); return; }
    document.getElementById("main").replaceWith(document.adoptNode(main));
    document.title = page.title;
    init();
    var error = document.querySelector(".field-error");
    if (error) { error.scrollIntoView({ block: "center" }); }
  }

  function showError(message) {
    var form = document.getElementById("deed-form");
    var note = form.querySelector(".form-error") || document.createElement("p");
    note.className = "flash flash-error form-error";
    note.setAttribute("role", "alert");
    note.textContent = message;
    form.insertBefore(note, form.firstChild);
    document.getElementById("send-button").disabled = false;
    document.getElementById("upload-progress").hidden = true;
    note.scrollIntoView({ block: "center" });
  }

  init();
})();
