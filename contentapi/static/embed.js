// contentapi embeds for partner pages. A partner writes, for each procedure,
//   <div data-contentapi-procedure="SLUG" data-lang="es" data-partner="ID"><a href="...">Title</a></div>
// and loads this script once from the service. Each div becomes a lazily loaded iframe titled
// with the procedure's localised title; without JavaScript the div's link still leads to the page.
//
// Security: messages are accepted only from the service's exact origin and only from the
// iframe they claim to size; the iframe is told only this page's origin (which the service
// checks against the partner's registered origins) and gets no referrer, so it learns
// nothing else about this page.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || !window.URL) {
    return;
  }
  var serviceOrigin = new URL(script.src, window.location.href).origin;
  var registryKey = "contentapiEmbed:" + serviceOrigin;
  if (typeof window[registryKey] === "function") {
    // The script is on the page twice (several oEmbed snippets): one listener is enough.
    window[registryKey]();
    return;
  }
  var MIN_HEIGHT = 80;
  var MAX_HEIGHT = 20000;
  var INITIAL_HEIGHT = 480;
  var SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var LANG = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/;
  var PARTNER = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
  var frames = [];

  function positiveInteger(value, fallback) {
    var number = parseInt(value, 10);
    return number > 0 ? number : fallback;
  }

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  function setTitle(iframe, slug, lang) {
    var url = new URL("/api/v1/procedures/" + slug, serviceOrigin);
    url.searchParams.set("lang", lang);
    if (!window.fetch) {
      return;
    }
    window.fetch(url.href, { mode: "cors", credentials: "omit", referrerPolicy: "no-referrer" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (document_) {
        if (document_ && typeof document_.title === "string" && document_.title) {
          iframe.title = document_.title;
          if (typeof document_.locale === "string") {
            iframe.lang = document_.locale;
          }
        }
      })
      .catch(function () { /* the fallback title stays */ });
  }

  function embed(holder) {
    if (holder.hasAttribute("data-contentapi-embedded")) {
      return;
    }
    var slug = holder.getAttribute("data-contentapi-procedure") || "";
    var lang = holder.getAttribute("data-lang") || "en";
    var partner = holder.getAttribute("data-partner") || "";
    if (!SLUG.test(slug) || !LANG.test(lang) || (partner && !PARTNER.test(partner))) {
      return; // leave the fallback link
    }
    holder.setAttribute("data-contentapi-embedded", "");
    var maxHeight = clamp(positiveInteger(holder.getAttribute("data-max-height"), MAX_HEIGHT), MIN_HEIGHT, MAX_HEIGHT);
    var maxWidth = positiveInteger(holder.getAttribute("data-width"), 0);
    var fallback = holder.querySelector("a[href]");
    var src = new URL("/embed/" + encodeURIComponent(lang) + "/procedures/" + slug, serviceOrigin);
    if (partner) {
      src.searchParams.set("partner", partner);
      src.searchParams.set("origin", window.location.origin);
    }
    var iframe = document.createElement("iframe");
    iframe.title = (holder.getAttribute("data-title") || (fallback ? fallback.textContent : "") || slug).trim();
    iframe.lang = lang;
    iframe.setAttribute("loading", "lazy");
    iframe.referrerPolicy = "no-referrer";
    // Least power on the partner's page: scripts for sizing, our own origin (or event.origin would be
    // "null"), top navigation only when the reader follows a link, new tabs only on request; no forms,
    // no dialogs, no downloads.
    iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox");
    iframe.className = "contentapi-frame";
    iframe.style.display = "block";
    iframe.style.width = "100%";
    iframe.style.border = "0";
    if (maxWidth) {
      iframe.style.maxWidth = maxWidth + "px";
    }
    iframe.style.height = Math.min(INITIAL_HEIGHT, maxHeight) + "px";
    iframe.src = src.href;
    frames.push({ iframe: iframe, maxHeight: maxHeight });
    while (holder.firstChild) {
      holder.removeChild(holder.firstChild);
    }
    holder.appendChild(iframe);
    setTitle(iframe, slug, lang);
  }

  function scan() {
    var holders = document.querySelectorAll("div[data-contentapi-procedure]");
    for (var index = 0; index < holders.length; index += 1) {
      embed(holders[index]);
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== serviceOrigin) {
      return;
    }
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "contentapi:embed-height") {
      return;
    }
    var height = Number(data.height);
    if (!isFinite(height)) {
      return;
    }
    for (var index = 0; index < frames.length; index += 1) {
      var frame = frames[index];
      if (frame.iframe.contentWindow === event.source) {
        frame.iframe.style.height = Math.round(clamp(height, MIN_HEIGHT, frame.maxHeight)) + "px";
        return;
      }
    }
  });

  window[registryKey] = scan;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
}());
