"""Load tests T77 (smoke), T78 (login storm) and T79 (soak):
``python -m benchmarks.load [--smoke] [--storm] [--soak] [--duration S]``.

:mod:`benchmarks.load.stack` starts the production layout (``taskcore serve`` with two
workers on a fresh PostgreSQL database, Redis, one ``taskcore worker``, a local SMTP
server) with the helpers of :mod:`benchmarks.support`; :mod:`benchmarks.load.cases` drives
it with locust (``benchmarks/load/locustfile.py``, run in a process of its own) and checks
what must hold. Results go to ``benchmarks/results/load-<case>.json``.
"""
