"""What the ``dcmcore`` command line does, as functions: describe, render and convert files.

- :func:`describe` (``dcmcore info``): what a file holds and which plugin decodes it;
- :func:`render_frame` / :func:`render_montage` (``dcmcore render``): the
  transform chain to 8-bit, overlays burned in;
- :func:`convert_paths` (``dcmcore compress`` / ``dcmcore decompress``): files
  and folder trees, in parallel, each written to a temporary file then renamed.
"""

from dcmcore.tools.batch import BatchResult, convert_paths, syntax_uid
from dcmcore.tools.info import describe
from dcmcore.tools.render import render_frame, render_montage

__all__ = ["describe", "render_frame", "render_montage", "convert_paths", "syntax_uid", "BatchResult"]
