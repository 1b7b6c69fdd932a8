import sys

from teamalign.cli import main

sys.exit(main())
