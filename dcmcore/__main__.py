"""``python -m dcmcore``."""

from dcmcore.cli import main

raise SystemExit(main())
