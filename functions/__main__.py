"""`python -m functions ...`: the command line."""

import sys
import warnings

# google-api-core warns on import about its Python support schedule; a person
# running the command line cannot act on it, so keep it off their terminal.
warnings.filterwarnings("ignore", "You are using a Python version", FutureWarning)

from functions.cli import main  # noqa: E402

sys.exit(main())
