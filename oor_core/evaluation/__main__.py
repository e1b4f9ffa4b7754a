"""`python -m oor_core.evaluation`: evaluate a sampler on a split (evaluation/evaluate.py)."""

import sys

from .evaluate import main

sys.exit(main())
