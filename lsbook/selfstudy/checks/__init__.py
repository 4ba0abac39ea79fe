"""The checks of the self-study exercises, one module per chapter.

Each module registers its checkers with :func:`lsbook.selfstudy.check.register`; they
are loaded on the first call to :func:`lsbook.selfstudy.check.check`, so a new chapter
module needs no edit here.
"""
