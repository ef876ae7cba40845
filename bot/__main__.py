"""``python -m bot`` is the ``syncbot`` command."""

import sys

from bot.cli import main

sys.exit(main())
