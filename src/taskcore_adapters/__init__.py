"""Adapters that connect the taskcore core to real infrastructure, one subpackage each."""
