"""Site Layouts: preliminary energy-site layouts from a land parcel."""

__version__ = "0.1.0"
