// Reader controls: text size, line spacing and high contrast, kept in localStorage so the
// choice follows the reader from page to page. Loaded in <head> so the saved choice applies
// before the first paint; the controls stay hidden when JavaScript is off because then they
// could do nothing.
(function () {
  "use strict";
  var settings = {
    "text-size": { name: "reader-text-size", fallback: "standard", allowed: ["standard", "large", "larger"] },
    "line-spacing": { name: "reader-line-spacing", fallback: "standard", allowed: ["standard", "wide"] },
    "high-contrast": { name: "reader-high-contrast", fallback: "off", allowed: ["on", "off"] }
  };
  var root = document.documentElement;

  function load(key) {
    var value = null;
    try { value = window.localStorage.getItem("contentapi." + key); } catch (error) { value = null; }
    return settings[key].allowed.indexOf(value) >= 0 ? value : settings[key].fallback;
  }

  function save(key, value) {
    try { window.localStorage.setItem("contentapi." + key, value); } catch (error) { /* private mode: this page only */ }
  }

  function apply(key, value) {
    root.setAttribute("data-" + key, value);
  }

  Object.keys(settings).forEach(function (key) { apply(key, load(key)); });

  // The print view (a page's URL with #print: the "Print a handout" link hospital systems are given):
  // the handout's stylesheet on screen too, so what shows is what prints, and the browser's print
  // dialog once the page has loaded. Without JavaScript the link opens the page, which prints the same.
  if (window.location.hash === "#print") {
    Array.prototype.forEach.call(document.querySelectorAll('link[rel="stylesheet"][media="print"]'), function (sheet) {
      sheet.media = "all";
    });
    root.setAttribute("data-print-view", "");
    window.addEventListener("load", function () { window.print(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("[data-reader-controls]");
    if (!panel) { return; }
    Object.keys(settings).forEach(function (key) {
      var inputs = panel.querySelectorAll('input[name="' + settings[key].name + '"]');
      var current = load(key);
      Array.prototype.forEach.call(inputs, function (input) {
        if (input.type === "checkbox") {
          input.checked = current === "on";
        } else {
          input.checked = input.value === current;
        }
        input.addEventListener("change", function () {
          var value = input.type === "checkbox" ? (input.checked ? "on" : "off") : input.value;
          apply(key, value);
          save(key, value);
        });
      });
    });
    panel.hidden = false;
  });
})();
