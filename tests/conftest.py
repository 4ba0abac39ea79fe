"""Shared pytest configuration: the Hypothesis profile used by the property tests.

The ``lsbook`` profile keeps the property tests quick and reproducible:
a modest number of examples, no per-example deadline (the first call of a
NumPy function can be slow), and derandomised generation so that every run
tries the same examples. Select another profile with the environment variable
``HYPOTHESIS_PROFILE`` (``thorough`` runs many more examples).
"""

import os

from hypothesis import settings

settings.register_profile("lsbook", max_examples=60, deadline=None, derandomize=True)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "lsbook"))
