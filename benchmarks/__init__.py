"""taskcore benchmarks: ``python -m benchmarks`` (or ``nox -s bench``) runs every case.

Each case lives in its own module and measures taskcore next to a baseline measured in
the same run; :mod:`benchmarks.runner` holds the rounds, statistics, table, JSON results
and the regeneration of ``docs/performance.md``.
"""
