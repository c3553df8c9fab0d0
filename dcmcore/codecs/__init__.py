"""dcmcore's own codec plugins, registered through entry points like any other.

See ``[project.entry-points."dcmcore.decoders"]`` in pyproject.toml.
"""
