"""What the tests share about the runs they make."""

#: How many valid examples a test's run draws when their number does not matter to it. One number
#: for all: a process keeps each draw (`generation.kept_draw`), so every later run with the same
#: company and seed gets its examples without Hypothesis.
EXAMPLES = 20
