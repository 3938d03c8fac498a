"""Data in and out at the edges: writing a project's export as JSON, CSV or a zip with
its attachments' files (:mod:`~taskcore_adapters.transfer.writing`), and reading import
files (:mod:`~taskcore_adapters.transfer.reading`). The HTTP host and the CLI share them."""
