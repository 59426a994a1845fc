import sys

from koers.cli import main

sys.exit(main())
