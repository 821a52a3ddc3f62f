"""One event mention being assembled: a trigger in a sentence, with its actors, date and place."""

from dataclasses import dataclass, field

from spacy.tokens import Span

from events.extract import dates, triggers
from events.models import Actor, Toponym


@dataclass
class Mention:
    """A trigger of one type in one sentence (mutable until its happening becomes a frozen Event)."""

    trig: triggers.Trigger
    sent: Span
    sent_index: int
    actors: tuple[Actor, ...]
    when: dates.When | None
    when_source: str  # sentence, context (history passage), previous, lead, default
    background: bool
    type: str = ""  # the trigger's type, or the happening's when mentions are folded together
    place: Toponym | None = None
    place_source: str = "none"
    geo_precision: str = "unknown"
    link_score: float = 0.0
    extra: dict = field(default_factory=dict)
    others: list["Mention"] = field(default_factory=list)  # further mentions of the same happening

    def __post_init__(self):
        self.type = self.type or self.trig.type
