"""`python -m b24conform`: the same command line as the `b24conform` script."""

import sys

from b24conform.cli import main

sys.exit(main())
