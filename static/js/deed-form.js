// The deed form: camera or library, a large preview, and a live character count.
(function () {
  "use strict";

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
})();
