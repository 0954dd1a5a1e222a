"""Allow ``python -m osharactl``."""

from osharactl.cli import main

main()
