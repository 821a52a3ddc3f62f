"""Offline geoparsing: find place mentions in an article and resolve them to coordinates."""

from events.geo.api import geocode, geoparse, place_of, resolve

__all__ = ["geocode", "geoparse", "place_of", "resolve"]
