"""The checks of the self-study exercises, one module per chapter, ``chNN.py``, all built on one template.

Every module reads the same way, exercise after exercise::

    # Exercise 3.1: the weight of KL(U || p) ------------------------------------------
    WEATHER_P = np.array([0.1, 0.2, 0.6, 0.1])      # the exercise's data
    KL_SHARE = WEATHER_EPS * kl_divergence(...)     # the solution, computed with lsbook

    @register("3.1", solution=KL_SHARE)
    def check_kl_share(answer) -> None:
        compare(answer, KL_SHARE, what="eps * KL(U || p)", mistakes=[
            (mistakes.FORGOT_THE_MEAN, <the value that mistake gives>),
            ("That is KL(p || U), the reverse direction: ...", <its value>),
        ])

The rules:

1. One public checker ``check_<what>(answer)`` per exercise, registered with
   :func:`~lsbook.selfstudy.check.register` and the exercise's ``solution``:
   the expected number or array, or the reference function when the answer
   is a function. The solution decides which kind of answer the exercise
   takes, and the tests check that it passes.
2. The body is one call of :func:`~lsbook.selfstudy.compare.compare` (a
   number or an array) or :func:`~lsbook.selfstudy.compare.check_function`
   (a function, run on a list of :class:`~lsbook.selfstudy.compare.Case`).
3. ``mistakes=`` is a list of ``(message, wrong)`` pairs, the most specific
   first. The message is the catalogue's (:mod:`lsbook.selfstudy.mistakes`)
   whenever the catalogue has the mistake; a sentence of the module's own
   only for a mistake that no other exercise can make.
4. Every expected and wrong value is computed with :mod:`lsbook`, never
   typed; the wrong answers several chapters meet come from
   :mod:`lsbook.selfstudy.wrong_answers`.
5. The exercise's data are UPPER_CASE constants, so the chapter can glue the
   very values its check uses; a wrong method only one exercise needs is a
   private function (``_name``) next to its checker.

A new chapter module is loaded on the first call of ``lsbook.check`` with no
edit here; modules whose name starts with ``_`` are not loaded as chapters.
"""
