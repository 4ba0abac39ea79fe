/* The book's own script: one job, wide equations a reader can see and reach.

   A displayed equation too wide for its box (on a phone, mostly) scrolls
   sideways. Such an equation
   - shows which of its edges hide more of it: the classes lsbook-more-left
     and lsbook-more-right, which lsbook.css draws as soft shadows, follow
     its scrolling;
   - joins the Tab order, so that a keyboard reader can reach it and scroll
     it with the arrow keys. An equation that fits is not a Tab stop.
   Marked once MathJax has typeset the page, and again when the window
   changes size. */
(function () {
  "use strict";

  function markEdges(equation) {
    var hidden = equation.scrollWidth - equation.clientWidth;
    equation.classList.toggle("lsbook-more-left", hidden > 1 && equation.scrollLeft > 1);
    equation.classList.toggle("lsbook-more-right", hidden > 1 && equation.scrollLeft < hidden - 1);
  }

  function markWideEquations() {
    var equations = document.querySelectorAll('mjx-container[display="true"]');
    Array.prototype.forEach.call(equations, function (equation) {
      if (equation.scrollWidth > equation.clientWidth + 1) {
        equation.setAttribute("tabindex", "0");
        if (!equation.hasAttribute("data-lsbook-edges")) {
          equation.setAttribute("data-lsbook-edges", "");
          equation.addEventListener("scroll", function () { markEdges(equation); }, { passive: true });
        }
      } else {
        equation.removeAttribute("tabindex");
      }
      markEdges(equation);
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
