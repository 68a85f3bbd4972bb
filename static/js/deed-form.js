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
