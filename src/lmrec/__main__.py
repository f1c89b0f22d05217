# SPDX-License-Identifier: MIT
"""``python -m lmrec`` runs the command line."""

from lmrec.cli import main

main()
