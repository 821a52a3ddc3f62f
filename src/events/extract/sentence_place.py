"""Which of a sentence's places is where one trigger's event happened: the learned linker's score plus parse
rules ('near X' is near, 'across the DMZ into Paju' is Paju), and how precise that place is."""

from spacy.tokens import Doc, Span, Token

from events.extract.link_features import NEAR_WORDS
from events.extract.linking import first_stage
from events.extract.triggers import clause_head, is_trigger_word, sentence_of


def precision_of(toponym, near: bool = False) -> str:
    """ACLED-like geo precision from the place kind and whether the text says near/outside."""
    if toponym is None or not toponym.resolved:
        return "unknown"
    kind = toponym.kind
    if kind == "country":
        return "country"
    if kind in ("admin1", "water", "island", "region"):
        return "region"
    return "near" if near else "exact"


def says_near(doc: Doc, span: Span) -> bool:
    """'near Panmunjom', 'outside El Paso', 'off the coast of': the place is a reference point."""
    root = span.root
    tok = root
    for _ in range(3):
        if tok.dep_ == "pobj":
            prep = tok.head
            return prep.lower_ in NEAR_WORDS or (
                prep.lower_ in ("to", "of") and prep.head.lower_ in NEAR_WORDS
            )
        if tok.dep_ in ("compound", "appos") and tok.head.i != tok.i:
            tok = tok.head
            continue
        break
    return False


# Prepositions that put an event at a place, and those that name where it went ('to Seoul' for an arrival).
AT_PREPS = (
    "in",
    "at",
    "near",
    "across",
    "into",
    "on",
    "off",
    "outside",
    "along",
    "through",
    "over",
    "inside",
    "around",
    "toward",
    "towards",
    "from",
    "within",
    "between",
)


def rule_bonus(trigger: Token, span: Span, type_id: str, toponym, n_fine: int) -> float:
    """Parse rules on top of the learned score: places of the verb's own prepositions up, actors' origins down."""
    root = span.root
    tok = root
    while tok.dep_ in ("compound", "appos", "conj") and tok.head.i != tok.i:
        tok = tok.head
    bonus = 0.0
    anchor = clause_head(
        trigger
    )  # a nominal trigger's places hang off its verb ("resumed broadcasts in Paju")
    if tok.dep_ == "pobj":
        prep = tok.head
        anchored = any(
            prep.head.i == a.i or a in prep.ancestors or prep.head in a.subtree for a in (trigger, anchor)
        )
        if prep.lower_ in AT_PREPS and anchored:
            bonus += 0.3
        if (
            type_id in ("arrival", "repatriation")
            and prep.lower_ in ("to", "into", "in", "at", "through")
            and anchored
        ):
            bonus += 0.2
        if type_id not in ("arrival", "repatriation") and prep.lower_ == "to":
            bonus -= 0.2
        if type_id in ("arrival", "repatriation") and prep.lower_ == "from":
            bonus -= 0.3
    elif tok.dep_ in ("nsubj", "nsubjpass", "poss", "amod") or root.ent_type_ == "NORP":
        bonus -= 0.4  # "North Korea launched...", "Mexican soldiers": who, not where
    elif tok.dep_ == "dobj" and tok.head.i == trigger.i:
        bonus += 0.15  # "crossed the Rio Grande", "entered Ceuta"
    if toponym.kind == "country" and n_fine:
        bonus -= 0.25  # a town named next to its country is the better answer
    return bonus


OTHER_HAPPENINGS = frozenset(["strike", "airstrike", "attack", "raid", "bombing", "offensive", "operation"])


def _of_another_happening(tok: Token, trigger: Token) -> bool:
    """The place hangs off another event noun of the sentence ('payback for a strike in Beirut') before it
    reaches the trigger's own clause."""
    anchor = clause_head(trigger)
    for a in tok.ancestors:
        if a.i in (trigger.i, anchor.i) or a.head.i in (trigger.i, anchor.i) or a.is_ancestor(trigger):
            return False  # the trigger's own clause, or its own object ("held talks in London")
        if a.pos_ == "NOUN" and (a.lemma_.lower() in OTHER_HAPPENINGS or is_trigger_word(a)):
            return True
    return False


def pick_in_sentence(
    trigger: Token, toponyms: list, doc: Doc, type_id: str = ""
) -> tuple[object, float, bool] | None:
    """The best resolved toponym of the trigger's sentence for this trigger: (toponym, score, near)."""
    sent = sentence_of(trigger)
    spans = []
    for top in toponyms:
        if top.start >= sent.start_char and top.end <= sent.end_char and top.resolved:
            span = doc.char_span(top.start, top.end, alignment_mode="expand")
            # "fired missiles at a post in payback for a strike in the Beirut suburbs": another happening's
            if span is not None and len(span) and not _of_another_happening(span.root, trigger):
                spans.append((top, span))
    if not spans:
        return None
    others = [s for _, s in spans]
    n_fine = sum(1 for top, _ in spans if top.kind != "country")
    # stage one only: here the question is which resolved place ranks first (the sentence-level "no place at
    # all" decision of stage two is the fallback chain's job), and stage two's sharper scores would swamp
    # the parse rules below ("across the Evros near Feres")
    probs = [first_stage(trigger, s, others, s.label_ or "GPE") for s in others]
    scored = [(p + rule_bonus(trigger, s, type_id, top, n_fine), top, s) for p, (top, s) in zip(probs, spans)]
    best = max(scored, key=lambda x: x[0])
    if best[1].kind in BROAD_KINDS:
        # "across the Rio Grande near Eagle Pass", "the DMZ near Cheorwon": the named point is the better place
        # and "into Greece near Edirne": a province or region named at a country is finer than the country
        finer = BROAD_KINDS if best[1].kind != "country" else ("country",)
        for sc, top, span in sorted(scored, key=lambda x: -x[0]):
            if top.kind not in finer and sc > best[0] - 0.5 and _points_at(span, best[2], trigger):
                return top, sc, says_near(doc, span)
    if best[1].kind == "city":
        # "through the Attari-Wagah check-post in Amritsar": the post, not the town that holds it
        for sc, top, span in scored:
            if top.kind == "site" and sc > best[0] - 0.5 and _holds(best[2], span):
                return top, sc, says_near(doc, span)
    return best[1], best[0], says_near(doc, best[2])


def _holds(town: Span, site: Span) -> bool:
    """'the check-post in Amritsar', 'the Ta Muen Thom temple in Surin': `town` holds `site`."""
    tok = town.root
    if tok.dep_ != "pobj" or tok.head.lower_ not in ("in", "near", "outside"):
        return False
    noun = tok.head.head
    return noun.i in range(site.start, site.end) or site.root.head.i == noun.i


BROAD_KINDS = ("border", "water", "region", "country", "admin1")


def _points_at(span: Span, broad: Span, trigger: Token) -> bool:
    """`span` sits in a near/at/outside phrase of the broad place or of the same verb."""
    tok = span.root
    if tok.dep_ != "pobj" or tok.head.lower_ not in ("near", "at", "outside", "in", "off", "close", "from"):
        return False
    attach = tok.head.head
    verb = clause_head(trigger)
    return (
        attach.i in range(broad.start, broad.end)
        or attach.i in (trigger.i, verb.i)
        or attach.head.i in range(broad.start, broad.end)
        or clause_head(attach).i == clause_head(broad.root).i
    )
