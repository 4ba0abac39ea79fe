"""The self-study exercises: ``lsbook.check("N.M", answer)`` and one module of checks per chapter.

The only folder that may use every other one.
"""
