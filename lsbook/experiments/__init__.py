"""What chapters 4 and 5 run: the digits, training, scores, intervals, calibration, distillation.

``data`` (splits, label noise, transfer sets), ``training`` (the small networks),
``scores`` (accuracy, NLL, Brier, ECE), ``intervals`` (paired bootstrap),
``calibration`` (temperature scaling), ``distillation`` and ``penultimate``
(chapter 5's measures), ``report`` (results tables) and ``studies`` (the full
experiments behind ``make experiments``). Builds on :mod:`lsbook.core` only.
Needs scikit-learn and SciPy (``pip install lsbook[experiments]``).
"""
