"""What the published page needs: the book's figure style and the kernel-free logit explorer.

Builds on :mod:`lsbook.core` only. The figure style needs matplotlib (``pip install lsbook[plot]``).
"""
