/* contentapi-audit: the in-page half of the checks axe cannot make.
   Sent with execute_script as `arguments[0]` = {op: ..., ...}; keeps its state on
   window.__contentapiAudit between calls on one document (locally the whole script is also kept
   as window.__contentapiAuditCall, so later calls send only their argument: audits/browser.py).
   Only CSSOM writes (element.style), so a page's Content-Security-Policy without 'unsafe-inline'
   does not get in the way. */
var request = arguments[0];
var audit = window.__contentapiAudit;
if (!audit) {
  audit = window.__contentapiAudit = {};
  audit.SKIP = { SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, TEMPLATE: 1, HEAD: 1, META: 1, LINK: 1, TITLE: 1, SVG: 1, svg: 1, IFRAME: 1, OBJECT: 1 };
  audit.BLOCKS = "p, li, h1, h2, h3, h4, h5, h6, dt, dd, td, th, caption, figcaption, blockquote, label, legend, summary";

  audit.inScope = function (element, scope) {
    var i;
    if (scope.exclude) {
      for (i = 0; i < scope.exclude.length; i++) { if (element.closest(scope.exclude[i])) { return false; } }
    }
    if (!scope.include || !scope.include.length) { return true; }
    for (i = 0; i < scope.include.length; i++) { if (element.closest(scope.include[i])) { return true; } }
    return false;
  };

  audit.visible = function (element) {
    if (!element.getClientRects().length) { return false; }
    var style = getComputedStyle(element);
    return style.visibility !== "hidden" && style.visibility !== "collapse";
  };

  audit.describe = function (element) {
    /* What a finding shows and what its signature is made of: the opening tag and some text. */
    var html = element.outerHTML || "";
    var open = html.slice(0, html.indexOf(">") + 1);
    var text = (element.textContent || "").replace(/\s+/g, " ").trim().slice(0, 80);
    var path = [], node = element;
    while (node && node.nodeType === 1 && node !== document.documentElement && path.length < 4) {
      var landmark = node.id && /^[A-Za-z][\w-]*$/.test(node.id) && !/\d{3,}/.test(node.id) ? "#" + node.id : "";
      path.unshift(node.tagName.toLowerCase() + landmark);
      if (landmark) { break; }
      node = node.parentElement;
    }
    return { html: open + (text ? text : "") + (html.length > open.length ? "…" : ""), selector: path.join(" > "), text: text, tag: element.tagName.toLowerCase() };
  };

  audit.elements = function (scope) {
    /* Every rendered element of the body in scope, in document order. */
    var all = document.body ? document.body.querySelectorAll("*") : [];
    var list = [];
    for (var i = 0; i < all.length; i++) {
      var element = all[i];
      if (audit.SKIP[element.tagName] || element.closest("svg")) { continue; }
      if (!audit.inScope(element, scope)) { continue; }
      list.push(element);
    }
    return list;
  };

  audit.textRects = function (element) {
    /* The line boxes of the element's own text (not its children's), in page coordinates. */
    var rects = [];
    var range = document.createRange();
    for (var node = element.firstChild; node; node = node.nextSibling) {
      if (node.nodeType !== 3 || !node.data.trim()) { continue; }
      range.selectNodeContents(node);
      var boxes = range.getClientRects();
      for (var j = 0; j < boxes.length; j++) {
        var box = boxes[j];
        if (box.width > 0.5 && box.height > 0.5) {
          rects.push([box.left + window.scrollX, box.top + window.scrollY, box.right + window.scrollX, box.bottom + window.scrollY]);
        }
      }
    }
    return rects;
  };

  audit.ownText = function (element) {
    var text = "";
    for (var node = element.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === 3) { text += node.data; }
    }
    return text.replace(/\s+/g, " ").trim();
  };

  audit.measure = function () {
    /* Where text is clipped, overlaps other text, or sticks out of the viewport. */
    var state = audit.state, clipped = {}, outside = {}, overlaps = {}, i, j, k, l;
    var width = document.documentElement.clientWidth;
    var fragments = [];
    for (i = 0; i < state.elements.length; i++) {
      var element = state.elements[i];
      if (!element.isConnected) { continue; }
      var style = getComputedStyle(element);
      var hideX = style.overflowX === "hidden" || style.overflowX === "clip";
      var hideY = style.overflowY === "hidden" || style.overflowY === "clip";
      if ((hideX && element.scrollWidth > element.clientWidth + 1) || (hideY && element.scrollHeight > element.clientHeight + 1)) {
        if (element.textContent.trim()) { clipped[i] = true; }
      }
      if (state.textual[i]) {
        var rects = audit.textRects(element);
        for (j = 0; j < rects.length; j++) {
          var r = rects[j];
          if (r[2] - window.scrollX > width + 1 || r[0] - window.scrollX < -1) {
            if (!audit.scrolledAway(element)) { outside[i] = true; }
          }
          fragments.push([i, r]);
        }
      }
    }
    /* Sweep from top to bottom: only fragments that start above another's bottom can overlap it. */
    fragments.sort(function (first, second) { return first[1][1] - second[1][1]; });
    for (i = 0; i < fragments.length; i++) {
      var a = fragments[i];
      for (j = i + 1; j < fragments.length && fragments[j][1][1] < a[1][3]; j++) {
        var b = fragments[j];
        if (a[0] === b[0]) { continue; }
        var ox = Math.min(a[1][2], b[1][2]) - Math.max(a[1][0], b[1][0]);
        var oy = Math.min(a[1][3], b[1][3]) - Math.max(a[1][1], b[1][1]);
        if (ox > 2 && oy > 2) {
          k = Math.min(a[0], b[0]); l = Math.max(a[0], b[0]);
          var ea = state.elements[k], eb = state.elements[l];
          if (ea.contains(eb) || eb.contains(ea)) { continue; }
          overlaps[k + ":" + l] = true;
        }
      }
    }
    var root = document.documentElement;
    return {
      clipped: clipped, outside: outside, overlaps: overlaps,
      scrollWidth: Math.max(root.scrollWidth, document.body ? document.body.scrollWidth : 0), clientWidth: root.clientWidth
    };
  };

  audit.scrolledAway = function (element) {
    /* Text inside a container that scrolls sideways by itself (a wide table, code) is not lost. */
    for (var node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      var overflow = getComputedStyle(node).overflowX;
      if (overflow === "auto" || overflow === "scroll") { return true; }
    }
    return false;
  };

  audit.difference = function (after, label) {
    /* What is wrong in `after` and was not already so in the page as it is served. */
    var before = audit.state.baseline, found = [], seen = {}, key, parts;
    for (key in after.clipped) {
      if (!before.clipped[key]) { found.push(audit.finding(+key, label + "-clipped", null)); seen[key] = true; }
    }
    for (key in after.overlaps) {
      if (!before.overlaps[key]) {
        parts = key.split(":");
        if (seen[parts[0]] && seen[parts[1]]) { continue; }
        found.push(audit.finding(+parts[0], label + "-overlap", +parts[1]));
        seen[parts[0]] = seen[parts[1]] = true;
      }
    }
    return found;
  };

  audit.finding = function (index, rule, otherIndex) {
    var described = audit.describe(audit.state.elements[index]);
    described.rule = rule;
    if (otherIndex !== null && otherIndex !== undefined) { described.other = audit.describe(audit.state.elements[otherIndex]).html; }
    return described;
  };

  audit.setStyles = function (plan) {
    /* Apply inline !important styles to many elements, remembering how to undo it. */
    var undo = [];
    for (var i = 0; i < plan.length; i++) {
      var element = plan[i][0];
      undo.push([element, element.getAttribute("style")]);
    }
    for (i = 0; i < plan.length; i++) {
      var properties = plan[i][1];
      for (var name in properties) { plan[i][0].style.setProperty(name, properties[name], "important"); }
    }
    return undo;
  };

  audit.restore = function (undo) {
    for (var i = 0; i < undo.length; i++) {
      var element = undo[i][0], original = undo[i][1];
      element.style.cssText = original === null ? "" : original;
      /* Reading the attribute makes Chrome write the emptied inline style back before it is removed;
         otherwise an empty style="" would reappear. */
      if (original === null) { element.getAttribute("style"); element.removeAttribute("style"); }
    }
  };

  audit.resizeText = function () {
    var elements = [document.documentElement, document.body].concat(audit.state.elements), plan = [];
    for (var i = 0; i < elements.length; i++) {
      var style = getComputedStyle(elements[i]);
      var properties = { "font-size": (parseFloat(style.fontSize) * 2) + "px" };
      if (style.lineHeight !== "normal" && style.lineHeight.slice(-2) === "px") { properties["line-height"] = (parseFloat(style.lineHeight) * 2) + "px"; }
      plan.push([elements[i], properties]);
    }
    var undo = audit.setStyles(plan);
    var found = audit.difference(audit.measure(), "resize-text");
    audit.restore(undo);
    return found;
  };

  audit.textSpacing = function () {
    var elements = [document.body].concat(audit.state.elements), plan = [];
    for (var i = 0; i < elements.length; i++) {
      var properties = { "letter-spacing": "0.12em", "word-spacing": "0.16em", "line-height": "1.5" };
      if (elements[i].tagName === "P") { properties["margin-bottom"] = "2em"; }
      plan.push([elements[i], properties]);
    }
    var undo = audit.setStyles(plan);
    var found = audit.difference(audit.measure(), "text-spacing");
    audit.restore(undo);
    return found;
  };

  audit.languageRuns = function () {
    /* Each element's own text with the language in force for it (the nearest lang attribute). */
    var runs = [], elements = audit.state.elements;
    for (var i = 0; i < elements.length; i++) {
      if (!audit.state.textual[i]) { continue; }
      var element = elements[i];
      var text = audit.ownText(element);
      if (text.length < 12) { continue; }
      var holder = element.closest("[lang]");
      var described = audit.describe(element);
      described.run = text.slice(0, 2000);
      described.lang = holder ? holder.getAttribute("lang") : null;
      runs.push(described);
    }
    return runs;
  };

  audit.readingText = function (pageLang) {
    /* The body copy readers read: block text in the page's language, outside navigation and page furniture. */
    var main = document.querySelector("main, [role=main]") || document.body;
    if (!main) { return []; }
    var blocks = main.querySelectorAll(audit.BLOCKS), texts = [];
    var primary = (pageLang || "").split("-")[0].toLowerCase();
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      if (block.querySelector(audit.BLOCKS) || block.closest("nav, header, footer, [role=navigation], [hidden], [aria-hidden=true]")) { continue; }
      if (!audit.inScope(block, audit.state.scope) || !audit.visible(block)) { continue; }
      var holder = block.closest("[lang]");
      var lang = (holder ? holder.getAttribute("lang") : "").split("-")[0].toLowerCase();
      if (lang !== primary) { continue; }
      var text = (block.innerText || "").replace(/\s+/g, " ").trim();
      if (text) { texts.push({ text: text, heading: /^H[1-6]$/.test(block.tagName) || block.tagName === "LI" || block.tagName === "DT" || block.tagName === "DD" }); }
    }
    return texts;
  };
}

var op = request.op;
if (op === "collect") {
  /* One round trip for lang, direction, title, readability, resize-text and text-spacing. */
  document.documentElement.style.setProperty("scroll-behavior", "auto", "important");
  var scope = { include: request.include || [], exclude: request.exclude || [] };
  var elements = audit.elements(scope), textual = [];
  for (var i = 0; i < elements.length; i++) { textual.push(!!audit.ownText(elements[i]) && audit.visible(elements[i])); }
  audit.state = { scope: scope, elements: elements, textual: textual };
  audit.state.baseline = audit.measure();
  var root = document.documentElement, checks = request.checks, result = {};
  result.lang = root.getAttribute("lang");
  result.dir = root.getAttribute("dir");
  result.direction = getComputedStyle(root).direction;
  result.bodyDirection = document.body ? getComputedStyle(document.body).direction : null;
  result.title = document.title;
  result.hasTitleElement = !!document.querySelector("head > title, title");
  if (checks.indexOf("lang") >= 0 || checks.indexOf("title") >= 0) { result.runs = audit.languageRuns(); }
  if (checks.indexOf("readability") >= 0) { result.reading = audit.readingText(result.lang); }
  if (checks.indexOf("resize-text") >= 0) { result.resizeText = audit.resizeText(); }
  if (checks.indexOf("text-spacing") >= 0) { result.textSpacing = audit.textSpacing(); }
  result.viewport = [window.innerWidth, window.innerHeight, window.outerWidth, window.outerHeight];
  return result;
}
if (op === "reflow") {
  /* Called with the window 320 CSS px wide: horizontal scrolling, and text cut off or pushed out of view. */
  var after = audit.measure(), before = audit.state.baseline, found = audit.difference(after, "reflow"), key;
  for (key in after.outside) {
    if (!before.outside[key]) { found.push(audit.finding(+key, "reflow-outside-viewport", null)); }
  }
  return { findings: found, scrollWidth: after.scrollWidth, clientWidth: after.clientWidth, innerWidth: window.innerWidth };
}
if (op === "focus") {
  /* The element that has focus now: what it is, whether it moved forward in reading order, where it is. */
  var active = document.activeElement;
  if (!active || active === document.body || active === document.documentElement) { return { done: true }; }
  var previous = audit.previousFocus || null;
  var order = "first";
  if (previous && previous !== active && previous.isConnected) {
    order = previous.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING ? "forward" : "backward";
  } else if (previous === active) {
    order = "same";
  }
  audit.previousFocus = active;
  var box = active.getBoundingClientRect();
  if (box.bottom < 0 || box.top > window.innerHeight || box.right < 0 || box.left > window.innerWidth) {
    active.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
    box = active.getBoundingClientRect();
  }
  var described = audit.describe(active);
  described.order = order;
  described.frame = active.tagName === "IFRAME" || active.tagName === "FRAME";
  described.rect = [box.left, box.top, box.width, box.height];
  described.viewport = [window.innerWidth, window.innerHeight];
  described.scroll = [window.scrollX, window.scrollY];
  described.focusVisible = active.matches(":focus-visible");
  var look = getComputedStyle(active), parentLook = active.parentElement ? getComputedStyle(active.parentElement) : look;
  /* Elements alike in kind, class, focused look and backdrop look alike when focused: one pixel test serves them all. */
  described.lookKey = [active.tagName, active.getAttribute("class") || "", look.outlineStyle, look.outlineWidth, look.outlineColor,
    look.outlineOffset, look.boxShadow, look.backgroundColor, look.color, look.borderTopColor, look.borderBottomWidth,
    look.textDecorationLine, parentLook.backgroundColor].join("|");
  described.inScope = audit.state ? audit.inScope(active, audit.state.scope) : true;
  if (!audit.firstFocus) { audit.firstFocus = active; } else if (audit.firstFocus === active && order !== "same") { described.wrapped = true; }
  return described;
}
if (op === "blur") {
  if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }
  return true;
}
if (op === "resetFocus") {
  audit.previousFocus = null; audit.firstFocus = null;
  if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }
  window.scrollTo({ top: 0, left: 0, behavior: "instant" });
  return true;
}
if (op === "rects") {
  /* Viewport rectangles of elements named by selectors (for screenshot crops), scrolling each into view. */
  var element = null;
  try { element = document.querySelector(request.selector); } catch (error) { element = null; }
  if (!element) { return null; }
  element.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
  var rect = element.getBoundingClientRect();
  return [rect.left, rect.top, rect.width, rect.height, window.innerWidth, window.innerHeight, window.scrollX, window.scrollY];
}
return null;
