"""The JSON API of the Starlette reference host: routes, error mapping, OpenAPI.

``taskcore_adapters.host.create_app`` serves it together with the pages.
"""
