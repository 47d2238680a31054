"""`python -m functions ...`: the command line."""

import sys

from functions.cli import main

sys.exit(main())
