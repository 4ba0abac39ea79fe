"""Project-wide pytest configuration.

nbval runs cells with ``store_history=False``, which stops IPython from
seeing a trailing ``;`` (its check reads the input history), so a plotting
line ending in ``;`` would print an object repr under nbval but not in
Jupyter. Running cells with history stored, exactly as Jupyter does, makes
the test execution match the stored outputs.

nbval is optional: without it (a bare ``pip install pytest``) the unit tests
still run. The import is guarded, the nbval options that pyproject.toml adds
to every run are accepted and ignored, and the run's header says plainly that
the notebooks were not re-executed, so nothing is skipped in silence.
"""

try:
    from nbval.kernel import RunningKernel
except ImportError:  # nbval not installed: the notebooks are not collected, the unit tests run as usual
    RunningKernel = None


if RunningKernel is not None:

    def _execute_like_jupyter(self, cell_input, allow_stdin=None):
        return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False)

    RunningKernel.execute_cell_input = _execute_like_jupyter

else:

    def pytest_addoption(parser):
        """The options pyproject.toml passes for nbval, accepted so that pytest starts without it."""
        group = parser.getgroup("nbval (not installed)")
        group.addoption("--nbval", action="store_true", help="ignored: nbval is not installed")
        group.addoption("--nbval-current-env", action="store_true", help="ignored: nbval is not installed")
        group.addoption("--nbval-sanitize-with", help="ignored: nbval is not installed")

    def pytest_report_header(config):
        return "nbval is not installed: the notebooks are NOT re-executed (pip install nbval to include them)"
