"""What chapters 4 and 5 run: the digits data, training, calibration, distillation, the penultimate layer.

Builds on :mod:`lsbook.core` only. Needs scikit-learn and SciPy (``pip install lsbook[experiments]``).
"""
