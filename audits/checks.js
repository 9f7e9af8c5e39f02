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
    if (!rects.length && /^(INPUT|TEXTAREA)$/.test(element.tagName)) {
      /* A text field draws what is typed in it inside its own box: measured there, as axe does. */
      var field = element.getBoundingClientRect();
      if (field.width > 0.5 && field.height > 0.5) {
        rects.push([field.left + window.scrollX, field.top + window.scrollY, field.right + window.scrollX, field.bottom + window.scrollY]);
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

  /* -- colour: WCAG relative luminance and contrast, computed colours parsed (a canvas reads any other syntax) */
  audit.parseColor = function (text) {
    var match = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,\/]\s*([\d.]+%?))?\s*\)$/.exec(text || "");
    if (match) {
      var alpha = match[4] === undefined ? 1 : (match[4].slice(-1) === "%" ? parseFloat(match[4]) / 100 : parseFloat(match[4]));
      return [+match[1], +match[2], +match[3], alpha];
    }
    if (!audit.colorCanvas) { audit.colorCanvas = document.createElement("canvas").getContext("2d", { willReadFrequently: true }); }
    var context = audit.colorCanvas;
    context.clearRect(0, 0, 1, 1);
    context.fillStyle = "rgba(0, 0, 0, 0)";
    context.fillStyle = text;
    context.fillRect(0, 0, 1, 1);
    var data = context.getImageData(0, 0, 1, 1).data;
    return [data[0], data[1], data[2], data[3] / 255];
  };

  audit.blend = function (top, bottom) {
    /* `top` (with its alpha) painted over the opaque `bottom`. */
    var a = top[3];
    return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
  };

  audit.luminance = function (color) {
    var channels = [color[0], color[1], color[2]].map(function (value) {
      value = value / 255;
      return value <= 0.04045 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  };

  audit.ratio = function (first, second) {
    var a = audit.luminance(first), b = audit.luminance(second);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };

  audit.hex = function (color) {
    return "#" + [0, 1, 2].map(function (i) { var v = Math.round(color[i]).toString(16); return v.length < 2 ? "0" + v : v; }).join("");
  };

  audit.canvasColor = function () {
    /* What is behind everything: the Canvas system colour in the root's colour scheme (forced colours included). */
    var probe = document.createElement("span");
    probe.style.setProperty("background-color", "Canvas", "important");
    probe.style.setProperty("display", "none", "important");
    document.documentElement.appendChild(probe);
    var color = audit.parseColor(getComputedStyle(probe).backgroundColor);
    probe.remove();
    color[3] = 1;
    return color;
  };

  audit.opacity = function (element, styles) {
    /* The product of the opacities of an element and its ancestors. */
    var product = 1;
    for (var node = element; node && node.nodeType === 1; node = node.parentElement) {
      product *= parseFloat(styles(node).opacity);
    }
    return product;
  };

  audit.hiddenByClip = function (element, styles) {
    /* Visually hidden text (the clip or clip-path pattern, or a box of a pixel or less that hides its overflow). */
    for (var node = element; node && node.nodeType === 1; node = node.parentElement) {
      var style = styles(node);
      if (style.clip !== "auto" && (style.position === "absolute" || style.position === "fixed")) { return true; }
      if (/inset\(\s*50%/.test(style.clipPath)) { return true; }
      if (style.overflow !== "visible" && (node.clientWidth <= 1 || node.clientHeight <= 1)) { return true; }
    }
    return false;
  };

  audit.contrastOf = function (element, styles, canvas) {
    /* Foreground and background of an element's own text, composited from the stack of boxes painted
       under it (hit-testing where its text is in the viewport, else its ancestors), with the reason when
       it cannot be told (an image or gradient behind, a shadow, text covered by other content). */
    var rects = audit.textRects(element), style = styles(element);
    if (!rects.length) { return null; }
    var first = rects[0], width = first[2] - first[0], height = first[3] - first[1];
    if (first[2] <= 0 || first[3] <= 0 || audit.hiddenByClip(element, styles)) { return null; }
    /* In forced colours the computed color is forced, the text fill colour is not: color is what is painted. */
    var fill = audit.forced || !style.webkitTextFillColor ? style.color : style.webkitTextFillColor;
    var foreground = audit.parseColor(fill);
    foreground[3] *= audit.opacity(element, styles);
    if (foreground[3] === 0) { return null; }
    var size = parseFloat(style.fontSize), weight = parseInt(style.fontWeight, 10) || 400;
    var large = size >= 24 || (size >= 18.66 && weight >= 700);
    var measured = { size: size, weight: weight, large: large, threshold: large ? 3 : 4.5 };
    var x = (first[0] + first[2]) / 2 - window.scrollX, y = (first[1] + first[3]) / 2 - window.scrollY;
    var stack = null;
    if (x >= 0 && y >= 0 && x < window.innerWidth && y < window.innerHeight) {
      var hits = document.elementsFromPoint(x, y), at = hits.indexOf(element);
      if (at >= 0) {
        for (var i = 0; i < at; i++) {
          if (!element.contains(hits[i])) { measured.review = "covered"; break; }
        }
        stack = hits.slice(at);
      }
    }
    if (!stack) {
      stack = [];
      for (var node = element; node && node.nodeType === 1; node = node.parentElement) { stack.push(node); }
    }
    var layers = [], below = null;
    for (i = 0; i < stack.length; i++) {
      var layerStyle = styles(stack[i]);
      if (layerStyle.backgroundImage !== "none" || /^(IMG|VIDEO|CANVAS|PICTURE|svg)$/.test(stack[i].tagName) && stack[i] !== element) {
        measured.review = measured.review || "image";
      }
      var background = audit.parseColor(layerStyle.backgroundColor);
      background[3] *= audit.opacity(stack[i], styles);
      if (background[3] > 0) { layers.push(background); }
      if (background[3] >= 1) { below = true; break; }
    }
    var composite = canvas.slice();
    for (i = layers.length - 1; i >= 0; i--) { composite = audit.blend(layers[i], composite); }
    if (style.textShadow && style.textShadow !== "none") { measured.review = measured.review || "shadow"; }
    var seen = audit.blend(foreground, composite);
    measured.fg = audit.hex(seen);
    measured.bg = audit.hex(composite);
    measured.ratio = Math.round(audit.ratio(seen, composite) * 100) / 100;
    measured.exact = audit.ratio(seen, composite);
    return measured;
  };

  audit.contrast = function (elements, textual) {
    /* Every element with visible text of its own, in document order: failures, reviews and a count.
       The page is scrolled so that each text is hit-tested in the viewport, then scrolled back. */
    var cache = new Map();
    function styles(node) {
      var style = cache.get(node);
      if (!style) { style = getComputedStyle(node); cache.set(node, style); }
      return style;
    }
    var canvas = audit.canvasColor(), startX = window.scrollX, startY = window.scrollY;
    audit.forced = window.matchMedia("(forced-colors: active)").matches;
    var failures = [], reviews = [], measuredCount = 0, scripts = {};
    for (var i = 0; i < elements.length; i++) {
      if (!textual[i] || !elements[i].isConnected) { continue; }
      var element = elements[i], rects = audit.textRects(element);
      if (rects.length && (rects[0][1] < window.scrollY || rects[0][3] > window.scrollY + window.innerHeight)) {
        window.scrollTo(0, Math.max(0, rects[0][1] - window.innerHeight / 3));
      }
      var measured = audit.contrastOf(element, styles, canvas);
      if (!measured) { continue; }
      measuredCount += 1;
      var script = audit.scriptOf(audit.ownText(element));
      scripts[script] = (scripts[script] || 0) + 1;
      if (measured.review) {
        if (measured.exact < measured.threshold) { reviews.push(audit.withElement(element, measured)); }
      } else if (measured.exact < measured.threshold) {
        failures.push(audit.withElement(element, measured));
      }
    }
    window.scrollTo(startX, startY);
    return { failures: failures, reviews: reviews, measured: measuredCount, scripts: scripts };
  };

  audit.withElement = function (element, measured) {
    var described = audit.describe(element);
    for (var key in measured) { if (key !== "exact") { described[key] = measured[key]; } }
    return described;
  };

  audit.scriptOf = function (text) {
    /* The writing system of most letters of a text, for the count by script in details. */
    var tests = [["Arabic", /\p{Script=Arabic}/u], ["Hebrew", /\p{Script=Hebrew}/u], ["Han", /\p{Script=Han}/u],
      ["Hangul", /\p{Script=Hangul}/u], ["Devanagari", /\p{Script=Devanagari}/u], ["Cyrillic", /\p{Script=Cyrillic}/u],
      ["Latin", /\p{Script=Latin}/u]];
    var best = "other", count = 0;
    for (var t = 0; t < tests.length; t++) {
      var found = 0;
      for (var c = 0; c < text.length && c < 200; c++) { if (tests[t][1].test(text[c])) { found++; } }
      if (found > count) { best = tests[t][0]; count = found; }
    }
    return best;
  };

  audit.brokenWords = function (elements, textual) {
    /* Words split across two lines with no hyphen shown (scripts that break between letters, Chinese and
       Japanese, excepted), and whether the word would have fitted on a line of its own. */
    var found = [], range = document.createRange();
    for (var i = 0; i < elements.length; i++) {
      if (!textual[i] || !elements[i].isConnected) { continue; }
      var element = elements[i], holder = element.closest("[lang]");
      var lang = holder ? holder.getAttribute("lang") : "";
      /* Code is not prose: breaking it anywhere is how it wraps. */
      if (/^(zh|ja)\b/i.test(lang) || element.closest("pre, code, kbd, samp")) { continue; }
      var style = getComputedStyle(element);
      if (style.hyphens === "auto") { continue; }
      var segmenter = audit.segmenters[lang] || (audit.segmenters[lang] = new Intl.Segmenter(lang || undefined, { granularity: "word" }));
      var broken = [];
      for (var node = element.firstChild; node; node = node.nextSibling) {
        if (node.nodeType !== 3 || !node.data.trim()) { continue; }
        var segments = segmenter.segment(node.data);
        for (var segment of segments) {
          if (!segment.isWordLike || segment.segment.length < 2 || segment.segment.indexOf("\u00ad") >= 0) { continue; }
          range.setStart(node, segment.index);
          range.setEnd(node, segment.index + segment.segment.length);
          var boxes = range.getClientRects(), tops = {};
          var lines = 0;
          for (var b = 0; b < boxes.length; b++) {
            if (boxes[b].width < 0.5) { continue; }
            var top = Math.round(boxes[b].top);
            if (!tops[top]) { tops[top] = true; lines++; }
          }
          if (lines > 1) { broken.push(segment.segment); }
        }
      }
      if (broken.length) {
        var described = audit.describe(element);
        described.words = broken.slice(0, 10);
        described.heading = /^H[1-6]$/.test(element.tagName) || element.getAttribute("role") === "heading";
        found.push(described);
      }
    }
    return found;
  };
  audit.segmenters = {};

  audit.stateSensitive = function (elements, textual, checks, into) {
    /* What a state can change, measured into `into`: contrast (text and controls), broken words and layout. */
    if (checks.indexOf("contrast") >= 0) {
      into.contrast = audit.contrast(elements, textual);
      into.controls = audit.controls();
    }
    if (checks.indexOf("reflow") >= 0) {
      into.words = audit.brokenWords(elements, textual);
      into.layout = audit.layout();
    }
  };

  audit.headings = function () {
    /* The headings a screen reader lists, in document order: level and description. */
    var list = [], all = document.querySelectorAll("h1, h2, h3, h4, h5, h6, [role=heading]");
    for (var i = 0; i < all.length; i++) {
      var heading = all[i];
      if (heading.closest("[hidden], [aria-hidden=true]") || !heading.getClientRects().length) { continue; }
      var level = heading.getAttribute("role") === "heading" ? parseInt(heading.getAttribute("aria-level") || "2", 10) : +heading.tagName[1];
      var described = audit.describe(heading);
      described.level = level;
      list.push(described);
    }
    return list;
  };

  audit.layout = function () {
    /* Where the main content starts, against the viewport: reader settings and narrow screens must
       not push it out of the first screen. */
    var main = document.querySelector("main, [role=main]");
    var target = main ? (main.querySelector("h1") || main.querySelector("h1, h2, h3, h4, h5, h6, p, li") || main) : null;
    var banner = document.querySelector("body > header, [role=banner]");
    return {
      contentTop: target ? target.getBoundingClientRect().top + window.scrollY : null,
      content: target ? audit.describe(target) : null,
      bannerHeight: banner ? banner.getBoundingClientRect().height : null,
      viewport: [window.innerWidth, window.innerHeight]
    };
  };

  audit.controls = function () {
    /* Visible checkboxes and radio buttons with their boxes in page coordinates. */
    var inputs = document.querySelectorAll("input[type=checkbox], input[type=radio]"), list = [];
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i], box = input.getBoundingClientRect();
      if (box.width < 4 || box.height < 4 || getComputedStyle(input).visibility !== "visible" || getComputedStyle(input).appearance === "none") { continue; }
      var described = audit.describe(input);
      described.type = input.type;
      described.name = input.name;
      described.checked = input.checked;
      described.rect = [box.left, box.top, box.width, box.height];
      described.viewport = [window.innerWidth, window.innerHeight];
      described.scroll = [window.scrollX, window.scrollY];
      list.push(described);
    }
    audit.controlList = Array.prototype.filter.call(inputs, function (input) {
      var box = input.getBoundingClientRect();
      return !(box.width < 4 || box.height < 4 || getComputedStyle(input).visibility !== "visible" || getComputedStyle(input).appearance === "none");
    });
    return list;
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
  if (checks.indexOf("headings") >= 0) { result.headings = audit.headings(); }
  audit.stateSensitive(elements, textual, checks, result);
  result.viewport = [window.innerWidth, window.innerHeight, window.outerWidth, window.outerHeight];
  return result;
}
if (op === "state") {
  /* One round trip per state after the first: what the state-sensitive checks need, on the same
     document (its elements as listed by "collect", their visibility measured again). */
  var stateChecks = request.checks, stateResult = {}, stateElements = audit.state.elements, stateTextual = [];
  for (var s = 0; s < stateElements.length; s++) { stateTextual.push(stateElements[s].isConnected && !!audit.ownText(stateElements[s]) && audit.visible(stateElements[s])); }
  audit.stateSensitive(stateElements, stateTextual, stateChecks, stateResult);
  if (stateChecks.indexOf("reflow") >= 0) {
    if (request.narrow) {
      var measuredNow = audit.measure(), foundNow = audit.difference(measuredNow, "reflow");
      for (var k in measuredNow.outside) {
        if (!audit.state.baseline.outside[k]) { foundNow.push(audit.finding(+k, "reflow-outside-viewport", null)); }
      }
      stateResult.reflow = { findings: foundNow, scrollWidth: measuredNow.scrollWidth, clientWidth: measuredNow.clientWidth, innerWidth: window.innerWidth };
    }
  }
  return stateResult;
}
if (op === "measureContrast") {
  /* Our contrast measurement of the elements named by selectors (to compare with axe's on the same elements). */
  var measureCache = new Map(), measureCanvas = audit.canvasColor();
  audit.forced = window.matchMedia("(forced-colors: active)").matches;
  return request.selectors.map(function (selector) {
    var target = null;
    try { target = document.querySelector(selector); } catch (error) { target = null; }
    if (!target) { return null; }
    target.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
    var measured = audit.contrastOf(target, function (node) {
      var style = measureCache.get(node);
      if (!style) { style = getComputedStyle(node); measureCache.set(node, style); }
      return style;
    }, measureCanvas);
    if (measured) { delete measured.exact; }
    return measured;
  });
}
if (op === "flipCheckboxes") {
  /* Toggle every listed checkbox without events (the page's handlers do not run); called again to undo. */
  var flipped = 0;
  (audit.controlList || []).forEach(function (input) { if (input.type === "checkbox") { input.checked = !input.checked; flipped++; } });
  return flipped;
}
if (op === "reader") {
  /* The page's own reader settings: with `maximum`, the last option of each radio group and every
     checkbox of [data-reader-controls], chosen by clicking as a reader would (the page's handlers
     apply them); without, the options chosen before are clicked again. */
  var panel = document.querySelector("[data-reader-controls]");
  if (!panel) { return { declared: false }; }
  var inputs = panel.querySelectorAll("input[type=radio], input[type=checkbox]"), chosen = [];
  if (request.maximum) {
    audit.readerBefore = Array.prototype.filter.call(inputs, function (input) { return input.checked; });
    audit.readerUnchecked = [];
    var lastOfGroup = {};
    Array.prototype.forEach.call(inputs, function (input) { if (input.type === "radio") { lastOfGroup[input.name] = input; } });
    Array.prototype.forEach.call(inputs, function (input) {
      if ((input.type === "checkbox" || lastOfGroup[input.name] === input) && !input.checked) {
        input.click();
        chosen.push(input.name + "=" + input.value);
        if (input.type === "checkbox") { audit.readerUnchecked.push(input); }
      }
    });
  } else {
    (audit.readerBefore || []).forEach(function (input) { if (!input.checked) { input.click(); } });
    (audit.readerUnchecked || []).forEach(function (input) { if (input.checked) { input.click(); } });
    audit.readerBefore = null; audit.readerUnchecked = null;
  }
  return { declared: true, chosen: chosen };
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
