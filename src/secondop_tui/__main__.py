"""Allow ``python -m secondop_tui``."""

import sys

from secondop_tui.cli import main

sys.exit(main())
