/* The book's own script: one job, keyboard access to wide equations.

   A displayed equation too wide for its box (on a phone, mostly) scrolls
   sideways. Such an equation joins the Tab order, so that a keyboard reader
   can reach it and scroll it with the arrow keys; an equation that fits is
   not a Tab stop. Marked once MathJax has typeset the page, and again when
   the window changes size. */
(function () {
  "use strict";

  function markWideEquations() {
    var equations = document.querySelectorAll('mjx-container[display="true"]');
    Array.prototype.forEach.call(equations, function (equation) {
      if (equation.scrollWidth > equation.clientWidth + 1) {
        equation.setAttribute("tabindex", "0");
      } else {
        equation.removeAttribute("tabindex");
      }
    });
  }

  var pending = null;
  function markSoon() {
    window.clearTimeout(pending);
    pending = window.setTimeout(markWideEquations, 150);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (mathjax && mathjax.startup && mathjax.startup.promise) {
      mathjax.startup.promise.then(markWideEquations);
      window.addEventListener("resize", markSoon);
    }
  });
})();
