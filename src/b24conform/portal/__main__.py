"""``python -m b24conform.portal``: the ``b24conform portal`` subcommand on its own."""

import sys

from .command import main

sys.exit(main())
