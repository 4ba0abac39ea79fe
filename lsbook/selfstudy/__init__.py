"""The self-study exercises: ``lsbook.check("N.M", answer)`` says "correct" or which mistake an answer looks like.

check (registry, verdict), compare (the engine), mistakes (one catalogue of messages), wrong_answers, checks/chNN.
The only folder that may use every other one.
"""
