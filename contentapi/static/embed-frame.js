// Inside an embed's iframe: tell the partner page how tall the content is, so the iframe
// can be sized to it. The parent's origin is the one the server validated against the
// partner's registered origins (data-parent-origin); messages go to exactly that origin,
// never "*", and carry nothing but the height.
(function () {
  "use strict";
  var parentOrigin = document.documentElement.getAttribute("data-parent-origin");
  if (!parentOrigin || window.parent === window) {
    return;
  }
  var lastHeight = -1;

  function postHeight() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === lastHeight) {
      return;
    }
    lastHeight = height;
    window.parent.postMessage({ type: "contentapi:embed-height", height: height }, parentOrigin);
  }

  document.addEventListener("DOMContentLoaded", function () {
    postHeight();
    if ("ResizeObserver" in window) {
      new window.ResizeObserver(postHeight).observe(document.body);
    } else {
      window.addEventListener("resize", postHeight);
    }
    window.addEventListener("load", postHeight);
  });
}());
