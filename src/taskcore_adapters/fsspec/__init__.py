"""Attachments' files in any fsspec filesystem: local folders, memory, object stores."""

from taskcore_adapters.fsspec.store import FsspecFileStore

__all__ = ["FsspecFileStore"]
