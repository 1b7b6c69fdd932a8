"""teamalign: measure and manage the partnership between IT and Operations."""

__version__ = "0.1.0"
