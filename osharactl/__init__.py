"""osharactl: configuration as code for Oshara voice agents."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("osharactl")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
