"""`python -m oor_core.training`: train or fine-tune the model (training/train.py)."""

import sys

from .train import main

sys.exit(main())
