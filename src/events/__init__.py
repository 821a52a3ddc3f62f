"""border-events: news articles in, geolocated border events out."""

__version__ = "0.1.0"
