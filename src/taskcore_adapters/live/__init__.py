"""Live updates over Server-Sent Events: one reader of the committed events and in-app
notifications per process (:mod:`~taskcore_adapters.live.broker`) and the streams it feeds
(:mod:`~taskcore_adapters.live.stream`)."""
