"""``python -m spicemem`` runs the command-line interface (same as the ``spicemem`` script)."""

from spicemem.cli import main

raise SystemExit(main())
