# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless use behind oor_batch.py: the command line, jobs, the batch runner and the demo."""
