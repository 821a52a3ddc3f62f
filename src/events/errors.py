"""One exception tree for the project; each class also inherits the matching builtin."""


class EventsError(Exception):
    """Base of every error the project raises on purpose."""


class InputError(EventsError, ValueError):
    """An input item (file, line, field) could not be read; the message names the item and the reason."""


class ConfigError(EventsError, ValueError):
    """A setting has a value the project cannot use; the message says what to do."""


class GeocodingError(EventsError, LookupError):
    """A place could not be geocoded, or the geocoder failed."""


class StoreError(EventsError, RuntimeError):
    """The store could not be opened, migrated or written."""


class StoreFullError(StoreError):
    """The store's disk is full: what is stored is safe, and nothing more can be until there is space."""
