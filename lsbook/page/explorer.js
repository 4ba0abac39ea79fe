/* The logit explorer in the page: lsbook's formulas in JavaScript, and the
   wiring that keeps the numbers, bars and loss curves in step with the
   sliders. lsbook/page/explorer.py inlines this file into the explorer's
   HTML, so the page needs no kernel and loads nothing.

   The part between the lsbook-compute markers is pure computation;
   tests/test_explorer.py cuts it out of the HTML and runs it under Node
   against lsbook, so the code tested is the code shipped. */

/* lsbook-compute:start */

// p, q, the loss and the gradient p - q for logits z, true class target and
// smoothing strength eps, with the formulas of lsbook: the softmax with the
// maximum subtracted, the single-pass loss lse(z) - (1 - eps) z_c - (eps / K) sum_k z_k.
function lsbookExplorerCompute(z, target, eps) {
  var K = z.length;
  var peak = Math.max.apply(null, z);
  var shifted = z.map(function (zk) { return Math.exp(zk - peak); });
  var total = shifted.reduce(function (s, e) { return s + e; }, 0);
  var lse = peak + Math.log(total);
  var zSum = z.reduce(function (s, zk) { return s + zk; }, 0);
  var p = shifted.map(function (e) { return e / total; });
  var q = z.map(function (_, k) { return eps / K + (k === target ? 1 - eps : 0); });
  var loss = lse - (1 - eps) * z[target] - (eps / K) * zSum;
  var grad = p.map(function (pk, k) { return pk - q[k]; });
  return { p: p, q: q, loss: loss, grad: grad };
}

// The loss as the true-class logit runs over count evenly spaced values from
// low to high, the other logits held: the curve the explorer draws.
function lsbookLossCurve(z, target, eps, low, high, count) {
  var xs = [];
  var losses = [];
  for (var i = 0; i < count; i++) {
    var x = low + (high - low) * i / (count - 1);
    var moved = z.slice();
    moved[target] = x;
    xs.push(x);
    losses.push(lsbookExplorerCompute(moved, target, eps).loss);
  }
  return { x: xs, loss: losses };
}

// Python's "{:.Nf}": toFixed rounds exact ties away from zero, Python to
// even. A double is an exact tie at N decimals only when x * 2^(N+1) is an
// odd integer (a tie is odd / (2 * 10^N), and only powers of two survive in
// a double's denominator).
function lsbookFormat(x, digits) {
  if (Object.is(x, -0)) { return "-" + (0).toFixed(digits); }
  var scaled = x * Math.pow(2, digits + 1);
  if (Number.isInteger(scaled) && Math.abs(scaled) % 2 === 1) {
    var longer = x.toFixed(digits + 1);
    var kept = Number(longer.charAt(longer.length - 2));
    return kept % 2 === 0 ? longer.slice(0, -1) : x.toFixed(digits);
  }
  return x.toFixed(digits);
}

/* lsbook-compute:end */

// Wiring: make every explorer on the page that is not live yet live.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var CURVE_POINTS = 121;
  // The drawing area of each loss panel, in SVG units (see explorer.css for its size on the page).
  var PANEL = { width: 240, height: 150, left: 34, right: 10, top: 8, bottom: 36 };

  function svgElement(name, attributes) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    return element;
  }

  function niceCeiling(value) {
    var steps = [1, 2, 2.5, 5, 10];
    var scale = Math.pow(10, Math.floor(Math.log10(Math.max(value, 1e-9))));
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * scale >= value) { return Number((steps[i] * scale).toPrecision(3)); }
    }
    return 10 * scale;
  }

  // Draws one loss panel: axes, tick labels, the curve and the point at the current logit.
  function drawPanel(svg, curve, point, limit, yMax, xName) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var plotWidth = PANEL.width - PANEL.left - PANEL.right;
    var plotHeight = PANEL.height - PANEL.top - PANEL.bottom;
    function sx(x) { return PANEL.left + plotWidth * (x + limit) / (2 * limit); }
    function sy(y) { return PANEL.top + plotHeight * (1 - Math.min(y, yMax) / yMax); }
    var bottom = PANEL.top + plotHeight;
    svg.appendChild(svgElement("path", {
      class: "lsx-axis",
      d: "M" + PANEL.left + " " + PANEL.top + "V" + bottom + "H" + (PANEL.left + plotWidth)
    }));
    [[-limit, "start"], [0, "middle"], [limit, "end"]].forEach(function (tick) {
      var label = svgElement("text", { x: sx(tick[0]), y: bottom + 15, "text-anchor": tick[1] });
      label.textContent = String(tick[0]);
      svg.appendChild(label);
    });
    var name = svgElement("text", { x: PANEL.left + plotWidth / 2, y: bottom + 32, "text-anchor": "middle" });
    name.textContent = xName;
    svg.appendChild(name);
    [[0, "0"], [yMax, String(yMax)]].forEach(function (tick) {
      var label = svgElement("text", { x: PANEL.left - 4, y: sy(tick[0]) + 4, "text-anchor": "end" });
      label.textContent = tick[1];
      svg.appendChild(label);
    });
    var lossName = svgElement("text", { x: PANEL.left + plotWidth, y: PANEL.top + 10, "text-anchor": "end" });
    lossName.textContent = "loss";
    svg.appendChild(lossName);
    var d = curve.x.map(function (x, i) {
      return (i ? "L" : "M") + sx(x).toFixed(1) + " " + sy(curve.loss[i]).toFixed(1);
    }).join("");
    svg.appendChild(svgElement("path", { class: "lsx-curve", d: d }));
    svg.appendChild(svgElement("circle", {
      class: "lsx-point", "data-point": "", r: 5,
      cx: sx(point.x).toFixed(1), cy: sy(point.loss).toFixed(1)
    }));
  }

  function makeLive(root) {
    root.setAttribute("data-live", "");
    var K = Number(root.getAttribute("data-classes"));
    var target = Number(root.getAttribute("data-target"));
    var limit = Number(root.getAttribute("data-limit"));
    var targetName = root.getAttribute("data-target-name");
    var sliders = [];
    for (var k = 0; k < K; k++) { sliders.push(root.querySelector('[data-param="z' + k + '"]')); }
    var epsSlider = root.querySelector('[data-param="eps"]');
    var all = sliders.concat([epsSlider]);

    function find(selector) { return root.querySelector(selector); }
    function show(name, value) { find('[data-output="' + name + '"]').textContent = lsbookFormat(value, 4); }
    function bar(name, value) {
      find('[data-bar="' + name + '"]').style.width = (100 * Math.min(Math.max(value, 0), 1)).toFixed(1) + "%";
    }
    // The gradient's sign as a colour (see explorer.css): none for a value shown as zero.
    function sign(name, value) {
      var cell = find('[data-output="' + name + '"]');
      var zero = Number(lsbookFormat(value, 4)) === 0;
      cell.classList.toggle("lsx-neg", !zero && value < 0);
      cell.classList.toggle("lsx-pos", !zero && value > 0);
    }

    function update() {
      var z = sliders.map(function (s) { return parseFloat(s.value); });
      var eps = parseFloat(epsSlider.value);
      var r = lsbookExplorerCompute(z, target, eps);
      var hard = lsbookExplorerCompute(z, target, 0);
      all.forEach(function (slider) {
        var shown = lsbookFormat(parseFloat(slider.value), 2);
        slider.setAttribute("aria-valuetext", shown);
        find('[data-value="' + slider.getAttribute("data-param") + '"]').textContent = shown;
      });
      Array.prototype.forEach.call(root.querySelectorAll('[data-echo="eps"]'), function (echo) {
        echo.textContent = lsbookFormat(eps, 2);
      });
      show("loss", r.loss);
      show("loss-hard", hard.loss);
      for (var k = 0; k < K; k++) {
        show("p-" + k, r.p[k]); show("q-" + k, r.q[k]); show("grad-" + k, r.grad[k]);
        sign("grad-" + k, r.grad[k]);
        bar("p-" + k, r.p[k]); bar("q-" + k, r.q[k]);
      }
      var curves = {
        hard: lsbookLossCurve(z, target, 0, -limit, limit, CURVE_POINTS),
        smoothed: lsbookLossCurve(z, target, eps, -limit, limit, CURVE_POINTS)
      };
      var points = { hard: { x: z[target], loss: hard.loss }, smoothed: { x: z[target], loss: r.loss } };
      var yMax = niceCeiling(Math.max(
        Math.max.apply(null, curves.hard.loss), Math.max.apply(null, curves.smoothed.loss)));
      ["hard", "smoothed"].forEach(function (kind) {
        var svg = find('[data-curve="' + kind + '"]');
        drawPanel(svg, curves[kind], points[kind], limit, yMax, targetName);
        svg.setAttribute("aria-label", svg.getAttribute("data-title") + ": the loss against " + targetName +
          " from -" + limit + " to " + limit + "; at " + lsbookFormat(z[target], 2) +
          " it is " + lsbookFormat(points[kind].loss, 2) + ".");
      });
    }

    all.forEach(function (slider) { slider.addEventListener("input", update); });
    find('[data-action="reset"]').addEventListener("click", function () {
      all.forEach(function (slider) { slider.value = slider.defaultValue; });
      update();
    });
    update();
  }

  var roots = document.querySelectorAll(".lsbook-explorer:not([data-live])");
  Array.prototype.forEach.call(roots, makeLive);
})();
