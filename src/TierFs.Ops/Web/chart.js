// TierFs status page: draws each .chart's data-points ([[unix seconds, value], ...]) as an SVG line plot.
// Written for this page, served by the mount itself: nothing is loaded from elsewhere.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function human(v) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + " " + units[i];
  }
  function clock(t) {
    var d = new Date(t * 1000);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function draw(div) {
    var points = JSON.parse(div.getAttribute("data-points") || "[]");
    var w = 440, h = 150, left = 84, right = 8, top = 10, bottom = 22;
    var svg = el("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h, role: "img" });
    var max = 0;
    points.forEach(function (p) { if (p[1] > max) max = p[1]; });
    var t0 = points.length ? points[0][0] : 0, t1 = points.length ? points[points.length - 1][0] : 1;
    function x(t) { return left + (t1 > t0 ? (t - t0) / (t1 - t0) : 0) * (w - left - right); }
    function y(v) { return top + (1 - (max > 0 ? v / max : 0)) * (h - top - bottom); }
    svg.appendChild(el("line", { x1: left, y1: h - bottom, x2: w - right, y2: h - bottom, stroke: "#999" }));
    svg.appendChild(el("line", { x1: left, y1: top, x2: left, y2: h - bottom, stroke: "#999" }));
    svg.appendChild(el("text", { x: left - 4, y: top + 8, "text-anchor": "end", "font-size": 10 }, human(max) + "/min"));
    svg.appendChild(el("text", { x: left - 4, y: h - bottom, "text-anchor": "end", "font-size": 10 }, "0"));
    if (points.length) {
      svg.appendChild(el("text", { x: left, y: h - 6, "font-size": 10 }, clock(t0)));
      svg.appendChild(el("text", { x: w - right, y: h - 6, "text-anchor": "end", "font-size": 10 }, clock(t1)));
      var line = points.map(function (p) { return x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1); }).join(" ");
      svg.appendChild(el("polyline", { points: line, fill: "none", stroke: "#2a6fb0", "stroke-width": 1.5, "class": "series" }));
    }
    div.appendChild(svg);
    div.setAttribute("data-drawn", String(points.length));
  }
  function all() { Array.prototype.forEach.call(document.querySelectorAll(".chart"), draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
})();
