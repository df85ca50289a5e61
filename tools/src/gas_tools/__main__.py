"""`python -m gas_tools` is `gas`."""

import sys

from .cli import main

sys.exit(main())
