// A live character count under a text box: the box names its counter's id in data-count.
(function () {
  "use strict";

  var boxes = document.querySelectorAll("textarea[data-count]");
  Array.prototype.forEach.call(boxes, function (box) {
    var counter = document.getElementById(box.getAttribute("data-count"));
    if (!counter) { return; }
    box.addEventListener("input", function () {
      counter.textContent = String(box.value.length);
    });
  });
})();
