/* The sdq report's script: unpack plotly.js, draw the figures, keep score of what happened.
 *
 * Figures live in one JSON block (#sdq-figures); each placeholder div.sdq-fig names its figure
 * in data-fig. Figures in an open part of the page are drawn at load, one after the other; those
 * inside a closed <details> are drawn when it is opened (plotly cannot size a hidden element).
 * The body records progress for people and for tests:
 *   data-state     loading | done | failed
 *   data-figures   how many figures are drawn
 *   data-expected  how many figures were visible at load (all drawn when data-state is done)
 *   data-errors    a JSON list of the errors caught (script errors, console.error, failed figures)
 */
(function () {
  "use strict";
  var body = document.body;
  var errors = [];
  var drawn = 0;

  function note(kind, detail) {
    errors.push(kind + ": " + String(detail).slice(0, 500));
    body.setAttribute("data-errors", JSON.stringify(errors));
  }
  window.addEventListener("error", function (event) {
    note("error", event.message || "a resource failed to load");
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    var reason = event.reason;
    note("rejection", reason && reason.message ? reason.message : reason);
  });
  var consoleError = console.error;
  console.error = function () {
    note("console", Array.prototype.map.call(arguments, String).join(" "));
    return consoleError.apply(console, arguments);
  };

  var figures = {};
  try {
    var block = document.getElementById("sdq-figures");
    figures = block ? JSON.parse(block.textContent) : {};
  } catch (err) {
    note("figures", err.message);
  }

  var BASE_LAYOUT = {
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif", size: 12, color: "#1f2328" },
    margin: { l: 56, r: 16, t: 36, b: 48 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    legend: { orientation: "h", x: 0, y: 1.02, xanchor: "left", yanchor: "bottom" },
    hoverlabel: { namelength: -1 },
    autosize: true
  };
  var CONFIG = {
    responsive: true,
    displayModeBar: "hover",
    displaylogo: false,
    modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines"],
    toImageButtonOptions: { format: "png", scale: 2 }
  };

  function merge(base, extra) {
    var out = {};
    var key;
    for (key in base) { out[key] = base[key]; }
    for (key in extra) {
      var a = out[key], b = extra[key];
      var plain = a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b);
      out[key] = plain ? merge(a, b) : b;
    }
    return out;
  }

  function unpackPlotly() {
    if (window.Plotly) { return Promise.resolve(window.Plotly); }
    var packed = document.getElementById("sdq-plotly");
    if (!packed) { return Promise.reject(new Error("plotly.js is not in this file and did not load from its CDN")); }
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot unpack the embedded plotly.js (no DecompressionStream); use a current browser"));
    }
    var raw = atob(packed.textContent.replace(/\s+/g, ""));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (code) {
      var script = document.createElement("script");
      script.textContent = code;
      document.head.appendChild(script);
      if (!window.Plotly) { throw new Error("plotly.js did not start"); }
      return window.Plotly;
    });
  }

  var queue = null;
  function draw(div) {
    if (div.getAttribute("data-state")) { return; }
    div.setAttribute("data-state", "queued");
    queue = queue.then(function () {
      var figure = figures[div.getAttribute("data-fig")];
      if (!figure) { throw new Error("no figure " + div.getAttribute("data-fig")); }
      return window.Plotly.newPlot(div, figure.data || [], merge(BASE_LAYOUT, figure.layout || {}), CONFIG);
    }).then(function () {
      div.setAttribute("data-state", "rendered");
      drawn += 1;
      body.setAttribute("data-figures", String(drawn));
    }, function (err) {
      div.setAttribute("data-state", "failed");
      note("figure " + div.getAttribute("data-fig"), err && err.message ? err.message : err);
    });
    return queue;
  }

  function visible(div) { return !div.closest("details:not([open])"); }
  function drawVisible(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".sdq-fig"), function (div) {
      if (visible(div)) { draw(div); }
    });
    return queue;
  }

  function openAll() {
    Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) { d.open = true; });
  }
  // Printing: open everything, and narrow the wide figures to a page's width (figures of parts
  // opened only now are drawn asynchronously, so press "expand all" before printing to have all).
  var PRINT_WIDTH = 680;
  function fitForPrint(printing) {
    Array.prototype.forEach.call(document.querySelectorAll('.sdq-fig[data-state="rendered"]'), function (div) {
      if (printing && div.offsetWidth > PRINT_WIDTH) {
        div.setAttribute("data-print", "narrowed");
        window.Plotly.relayout(div, { width: PRINT_WIDTH });
      } else if (!printing && div.getAttribute("data-print")) {
        div.removeAttribute("data-print");
        window.Plotly.relayout(div, { width: null, autosize: true });
      }
    });
  }

  function revealTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (id === "expand-all") { openAll(); return; }
    var target = id && document.getElementById(id);
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    if (target) { target.scrollIntoView(); }
  }

  function fail(err) {
    body.setAttribute("data-state", "failed");
    note("plotly", err && err.message ? err.message : err);
    Array.prototype.forEach.call(document.querySelectorAll(".fig-fallback"), function (p) {
      p.textContent = "Figure not drawn: " + (err && err.message ? err.message : err) + ". The numbers are in the tables.";
    });
  }

  function start() {
    var placeholders = document.querySelectorAll(".sdq-fig");
    var button = document.getElementById("sdq-expand");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", openAll);
    }
    if (!placeholders.length) { body.setAttribute("data-state", "done"); return; }
    revealTarget();
    var expected = Array.prototype.filter.call(placeholders, visible).length;
    body.setAttribute("data-expected", String(expected));
    unpackPlotly().then(function () {
      queue = Promise.resolve();
      document.addEventListener("toggle", function (event) {
        if (event.target.open) { drawVisible(event.target); }
      }, true);
      window.addEventListener("hashchange", revealTarget);
      window.addEventListener("beforeprint", function () { openAll(); fitForPrint(true); });
      window.addEventListener("afterprint", function () { fitForPrint(false); });
      return drawVisible(document);
    }).then(function () {
      body.setAttribute("data-state", "done");
    }, fail);
  }

  start();
})();
