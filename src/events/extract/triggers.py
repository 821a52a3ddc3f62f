"""Event triggers from the ontology file, and the checks that keep out what did not happen."""

import json
from dataclasses import dataclass
from functools import cache

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token

from events import nlp as nlp_mod
from events.config import DATA_DIR
from events.models import ontology


@dataclass
class Trigger:
    """One trigger match: its type, the head token, the matched span and the rule that typed it."""

    type: str
    token: Token
    span: Span
    rule: str  # "verb", "noun", "phrase", or "override:..."


@cache
def cues() -> dict[str, set[str]]:
    """Word lists from the ontology file's `cues` (negation, modals, hypothetical heads...)."""
    raw = json.loads((DATA_DIR / "ontology.json").read_text(encoding="utf-8")).get("cues", {})
    return {k: set(v) for k, v in raw.items()}


@dataclass(frozen=True)
class _Index:
    """Trigger lookups built once from the ontology: single words by lemma/form, phrases via a PhraseMatcher."""

    lemmas: dict  # lemma -> [(type, nominal?)]
    forms: dict  # surface form -> [type]
    phrases: PhraseMatcher  # match ids "type|phrase"
    multi: Matcher  # multi-word lemmas ("hand over"): the verb's lemma, then the particle as written


@cache
def index() -> _Index:
    """The ontology's triggers, indexed for a single pass over the tokens (a Matcher per lemma is slow)."""
    nlp = nlp_mod.load()
    lemmas: dict[str, list] = {}
    forms: dict[str, list] = {}
    phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
    multi = Matcher(nlp.vocab)
    for type_id, row in ontology().items():
        nominal = set(row.get("nominal", []))
        for lemma in row.get("lemmas", []):
            words = [t.text.lower() for t in nlp.tokenizer(lemma)]
            if len(words) == 1:
                lemmas.setdefault(words[0], []).append((type_id, words[0] in nominal))
            else:
                multi.add(
                    f"{type_id}|phrase",
                    [[{"LEMMA": words[0], "POS": "VERB"}] + [{"LOWER": w} for w in words[1:]]],
                )
        for form in row.get("forms", []):
            forms.setdefault(form, []).append(type_id)
        if row.get("phrases"):
            phrases.add(f"{type_id}|phrase", [nlp.make_doc(p.lower()) for p in row["phrases"]])
    return _Index(lemmas, forms, phrases, multi)


def is_trigger_word(tok: Token) -> bool:
    """Is this token's lemma a trigger of some type (as a verb, or a noun listed as nominal)?"""
    return any(tok.pos_ == "VERB" or nominal for _t, nominal in index().lemmas.get(tok.lemma_.lower(), ()))


def _raw_matches(doc: Doc) -> list[tuple[tuple[str, str], int, int]]:
    """((type, kind), start, end) for every lemma, form and phrase hit."""
    idx = index()
    out = []
    for tok in doc:
        if tok.pos_ in ("VERB", "NOUN", "PROPN", "ADJ"):
            for type_id, nominal in idx.lemmas.get(tok.lemma_.lower(), ()):
                if tok.pos_ == "VERB" or (nominal and tok.pos_ in ("NOUN", "PROPN")):
                    out.append(((type_id, "lemma"), tok.i, tok.i + 1))
            if tok.pos_ != "PROPN":
                out += [((type_id, "lemma"), tok.i, tok.i + 1) for type_id in idx.forms.get(tok.lower_, ())]
    for matcher in (idx.phrases, idx.multi):
        out += [(tuple(doc.vocab.strings[m].split("|")), s, e) for m, s, e in matcher(doc)]
    return out


def sentence_of(tok: Token) -> Span:
    """The sentence of a token, from a per-doc table (Token.sent walks the doc each time)."""
    doc = tok.doc
    table = doc.user_data.get("events_sentences")
    if table is None or len(table) != len(doc):
        table = [None] * len(doc)
        for sent in doc.sents:
            for i in range(sent.start, sent.end):
                table[i] = sent
        doc.user_data["events_sentences"] = table
    return table[tok.i]


def _head_of(span: Span) -> Token:
    """The token of a matched span whose head lies outside it (the syntactic head)."""
    for tok in span:
        if tok.head.i < span.start or tok.head.i >= span.end or tok.head.i == tok.i:
            return tok
    return span.root


def objects(tok: Token) -> list[Token]:
    """Direct objects of a verb, its passive subjects, and nouns after 'of' for nominals."""
    out = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass", "attr", "oprd")]
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            out += [g for g in c.children if g.dep_ == "pobj"]
    if tok.dep_ == "acl" and tok.tag_ == "VBN":  # "the missile launched by..." / "migrants held at..."
        out.append(tok.head)
    for obj in list(out):  # "shots and shells" -> both
        out += [c for c in obj.children if c.dep_ == "conj"]
    return out


def _undergoer(tok: Token) -> set[str]:
    """What else a verb may act on: the subject of an intransitive use ('the border closed'), and for a
    passive the noun just before it, which the parser often misses ('Torkham crossing, was closed')."""
    out = {c.lemma_.lower() for c in tok.children if c.dep_ == "nsubj"}
    if any(c.dep_ == "auxpass" for c in tok.children):
        before = [t for t in tok.doc[max(sentence_of(tok).start, tok.i - 4) : tok.i] if t.pos_ == "NOUN"]
        out |= {before[-1].lemma_.lower()} if before else set()
    return out


def _object_ok(row: dict, tok: Token) -> bool:
    lemma = tok.lemma_.lower()
    objs = {o.lemma_.lower() for o in objects(tok)}
    allowed = row.get("objects", {}).get(lemma)
    if allowed is not None and allowed and not (objs | _undergoer(tok)) & set(allowed):
        return False
    return not objs & set(row.get("not_objects", {}).get(lemma, []))


def in_doc(doc: Doc) -> list[Trigger]:
    """All trigger matches in a doc, typed, one per head token (phrases win over single lemmas)."""
    onto = ontology()
    missile = cues()["missile_words"]
    by_token: dict[int, Trigger] = {}
    matches = _raw_matches(doc)
    phrase_tokens = {i for (_, kind), s, e in matches if kind == "phrase" for i in range(s, e)}
    for (type_id, kind), start, end in matches:
        span = doc[start:end]
        tok = _head_of(span)
        if kind == "lemma" and tok.i in phrase_tokens:
            continue  # "loudspeaker broadcasts": the phrase speaks for its words
        rule = kind
        objs = {o.lemma_.lower() for o in objects(tok)}
        # "fired a missile", "launched rockets": the object decides the type
        if type_id in ("gunfire", "missile_launch") and objs & missile:
            type_id, rule = "missile_launch", "override:missile-object"
        elif type_id == "gunfire" and tok.lemma_.lower() == "fire" and _missile_subject(tok):
            type_id, rule = "missile_launch", "override:missile-subject"
        elif type_id == "gunfire" and objs & cues()["crowd_control"]:
            type_id, rule = "other", "override:tear-gas"  # "fired tear gas at migrants" (the guide: other)
        elif type_id == "other" and tok.lemma_.lower() in CASUALTY_VERBS and (weapon := _weapon_type(tok)):
            type_id, rule = weapon, "override:weapon-subject"  # "a shell killed five"
        elif type_id == "arrival" and tok.lemma_.lower() in ("land", "reach"):
            thing = _thing_subject(tok)
            if thing & missile:
                type_id, rule = "missile_launch", "override:missile-landed"
            elif thing & cues()["shell_words"]:  # "where shells landed": shelling, not an arrival
                type_id, rule = "gunfire", "override:shell-landed"
            elif thing & set(onto["propaganda"]["nominal"]):
                type_id, rule = "propaganda", "override:leaflets-landed"
        if kind == "lemma":
            if not rule.startswith("override") and not _object_ok(onto[type_id], tok):
                continue
            if rule == "lemma":
                rule = (
                    "verb" if tok.pos_ == "VERB" or tok.lower_ in onto[type_id].get("forms", []) else "noun"
                )
            if tok.pos_ == "VERB" and tok.dep_ == "amod":  # "the defecting soldiers": a description
                continue
            if tok.tag_ == "VBN" and tok.dep_ == "acl" and tok.head.dep_ in ("nsubj", "nsubjpass"):
                continue  # "defectors detained in China were deported": who they are, not the news
            if (
                tok.pos_ != "VERB"
                and tok.dep_ == "compound"
                and tok.head.lemma_ in ("crossing", "point", "post")
            ):
                continue
        if type_id == "border_crossing" and rule == "noun" and _is_place_name(tok):
            continue  # "at the Wagah border crossing": a site, not a crossing
        if type_id == "talks" and _to_the_press(tok):
            continue  # "talking to media persons": an interview, not talks between the two sides
        if type_id == "repatriation" and end < len(doc) and doc[end].lower_ == "against":
            continue  # "pushing back against Iranian aggression": resisting, not sending anyone back
        old = by_token.get(tok.i)
        if old is None or (old.rule != "phrase" and (kind == "phrase" or len(span) > len(old.span))):
            by_token[tok.i] = Trigger(type_id, tok, span, rule)
    for tok in doc:  # "the injured were sent by helicopter to the Capital Hospital": an arrival there
        if tok.i not in by_token and _to_care(tok):
            by_token[tok.i] = Trigger("arrival", tok, doc[tok.i : tok.i + 1], "override:to-hospital")
    found = sorted(by_token.values(), key=lambda t: t.token.i)
    # "fired warning shots": a trigger that is the object of another of the same type is the same event
    ids = {(t.token.i, t.type) for t in found}
    return [t for t in found if (t.token.head.i, t.type) not in ids or t.token.head.i == t.token.i]


def _to_care(tok: Token) -> bool:
    """A verb of carrying people ('sent', 'rushed', 'admitted') with 'to' a hospital or clinic."""
    if tok.pos_ != "VERB" or tok.lemma_.lower() not in cues()["carry_verbs"]:
        return False
    care = cues()["care_places"]
    for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ == "to"):
        if any(t.lemma_.lower() in care for t in prep.subtree):
            return True
    return False


CASUALTY_VERBS = frozenset(["kill", "wound", "injure"])
PRESS = frozenset(["media", "reporter", "journalist", "press", "person", "newsman", "correspondent"])


def _to_the_press(tok: Token) -> bool:
    for prep in (c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("to", "with")):
        if any(g.lemma_.lower() in PRESS for g in prep.subtree):
            return True
    return False


def _weapon_type(tok: Token) -> str:
    """The type a casualty's weapon names: 'a shell killed' -> gunfire, 'a mine wounded' -> explosion."""
    thing = _thing_subject(tok)
    c = cues()
    if thing & c["missile_words"]:
        return "missile_launch"
    if thing & c["shell_words"]:
        return "gunfire"
    if thing & c["explosive_words"]:
        return "explosion"
    return ""


def _thing_subject(tok: Token) -> set[str]:
    """Lemmas of the subject of `tok`, or of its governing verb's subject, or of the whole sentence's nouns."""
    subj = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subj and tok.dep_ in ("pcomp", "advcl", "conj", "xcomp"):
        head = tok.head.head if tok.head.pos_ == "ADP" else tok.head
        subj = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
    return {s.lemma_.lower() for s in subj}


def _missile_subject(tok: Token) -> bool:
    subj = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
    return any(s.lemma_.lower() in cues()["missile_words"] for s in subj)


def _is_place_name(tok: Token) -> bool:
    """'border crossing' used as a place: object of at/near/through/via, or part of a name."""
    words = {c.lower_ for c in tok.children}
    named = any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in tok.children) or "border" in words
    if named and not words & {"illegal", "irregular", "attempted", "unauthorized", "unlawful"}:
        return True  # "the Friendship Gate crossing was closed", "the border crossing at Rafah": the post
    if tok.head.lemma_.lower() in cues()["post_verbs"]:
        return True  # "closed the border crossing", "the crossing was reopened": the post, not a crossing
    return tok.dep_ == "pobj" and tok.head.lower_ in ("at", "near", "through", "via", "from", "to", "of")


def clause_head(tok: Token) -> Token:
    """The verb a nominal trigger belongs to ('the launch was condemned' -> condemned)."""
    head = tok
    while head.pos_ not in ("VERB", "AUX") and head.head.i != head.i:
        head = head.head
    return head


def negated(tok: Token) -> bool:
    """'did not cross', 'never reached', 'no shots were fired', 'failed to cross'."""
    neg = cues()["negations"]
    for t in (tok, clause_head(tok)):
        if any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no") for c in t.children):
            return True
        if any(c.lower_ in neg and c.dep_ in ("neg", "advmod", "det") for c in t.children):
            return True
    for arg in (c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass", "dobj")):
        if arg.lower_ in ("none", "nobody", "nothing") or any(
            g.dep_ == "det" and g.lower_ == "no" for g in arg.children
        ):
            return True  # "no shots were fired", "none of them crossed"
    own_subject = any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children)
    if (tok.dep_ == "xcomp" or (tok.dep_ == "conj" and not own_subject)) and tok.head.pos_ == "VERB":
        return any(c.dep_ == "neg" for c in tok.head.children)
    return False


DONE_BEFORE = frozenset(["after", "following", "upon", "since"])


def _governors(tok: Token) -> list[Token]:
    """The words a trigger depends on for its mood: up through xcomp/conj, and from a nominal to its verb."""
    out, t = [], tok
    while t.head.i != t.i and len(out) < 4:
        nominal_link = t.pos_ != "VERB" and t.dep_ in (
            "nsubj",
            "nsubjpass",
            "dobj",
            "pobj",
            "prep",
            "attr",
            "appos",
        )
        to_infinitive = t.dep_ == "acl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in t.children)
        if t.dep_ == "pcomp" and t.head.lower_ in DONE_BEFORE:
            break  # "after crossing the sea border, they attempted to flee": the crossing happened
        if t.dep_ in ("xcomp", "conj", "pcomp") or nominal_link or to_infinitive:
            t = t.head
            out.append(t)
        else:
            break
    return out


ATTEMPTS = ("try", "attempt")  # "tried to cross the fence": an attempt to cross is a crossing (the guide)


def hypothetical(tok: Token, type_id: str = "") -> str:
    """Why a trigger did not (yet) happen: 'modal', 'head:plan', 'if', 'infinitive', or '' when factual."""
    c = cues()
    attempt = tok.head
    if type_id == "border_crossing" and attempt.lemma_.lower() in ATTEMPTS and tok.dep_ == "xcomp":
        if attempt.dep_ == "relcl":  # "infiltrators who tried to cross were killed": a foiled attempt
            return "head:" + attempt.lemma_.lower()
        tok = attempt  # the attempt is what happened
    if any(ch.lower_ == "if" and ch.dep_ == "mark" for ch in tok.children):
        return "if"
    if _before_what_will_be(tok, c["modals"]):
        return "modal"  # "he will be debriefed before he is taken to New Delhi"
    for t in [tok] + _governors(tok):
        if any(ch.dep_ == "aux" and ch.lower_ in c["modals"] for ch in t.children):
            return "modal"
        if t is not tok and t.lemma_.lower() in c["hypothetical_heads"]:
            return f"head:{t.lemma_.lower()}"
        if any(ch.lower_ == "if" and ch.dep_ == "mark" for ch in t.children):
            return "if"
    infinitive = any(ch.dep_ == "aux" and ch.lower_ == "to" for ch in tok.children)
    # "is believed to have crossed", "the first soldier to defect this year" did happen
    ordinal = any(ch.lower_ in c["ordinals"] for ch in tok.head.children)
    if infinitive and tok.head.lemma_.lower() not in c["keep_heads"] and not ordinal:
        return "infinitive"
    return ""


def _before_what_will_be(tok: Token, modals) -> bool:
    before = any(ch.dep_ == "mark" and ch.lower_ in ("before", "until") for ch in tok.children)
    return (
        tok.dep_ == "advcl"
        and before
        and any(ch.dep_ == "aux" and ch.lower_ in modals for ch in tok.head.children)
    )


MANY = frozenset(["dozens", "hundreds", "thousands", "scores"])


def _many(tok: Token) -> bool:
    """Counted in tens or more ('300 violations', 'hundreds of crossings')."""
    for c in tok.children:
        digits = c.text.replace(",", "")
        if c.dep_ == "nummod" and (c.lower_ in MANY or (digits.isdigit() and int(digits) >= 10)):
            return True
    head = tok.head.head if tok.dep_ == "pobj" and tok.head.lower_ == "of" else None
    return head is not None and head.lower_ in MANY


HABITUAL = frozenset(
    [
        "daily",
        "regularly",
        "routinely",
        "usually",
        "often",
        "frequently",
        "typically",
        "sometimes",
        "occasionally",
    ]
)


def _habitual(tok: Token) -> bool:
    """A present-tense verb said of every day or usually: what happens as a rule, not one event."""
    for c in tok.children:
        if c.dep_ == "advmod" and c.lower_ in HABITUAL:
            return True
        if c.dep_ == "npadvmod" and any(g.lower_ in ("every", "each") for g in c.children):
            return True
    return False


def general(tok: Token) -> bool:
    """A statement about a kind of event, not one event: 'such defections', bare plural nominals; and no
    border event at all: 'the wounded' (people), 'birds arrived' (animals)."""
    if tok.pos_ == "VERB":
        if any(c.dep_ == "det" for c in tok.children):
            return True  # "the wounded", "the detained": the people it happened to, told elsewhere
        subj = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")]
        if any(any(g.lower_ in ("such", "any", "every") for g in s.children) for s in subj):
            return True
        if any(s.lemma_.lower() in cues()["animals"] for s in subj):
            return True
        present = tok.tag_ in ("VBZ", "VBP") or any(
            c.dep_ in ("aux", "auxpass") and c.tag_ in ("VBZ", "VBP") for c in tok.children
        )
        if present and _habitual(tok):
            return True  # "thousands cross the border every day", "migrants are detained more and more often"
        perfect = any(c.dep_ == "aux" and c.lemma_ == "have" for c in tok.children)
        return perfect and any(c.dep_ == "advmod" and c.lower_ in ("long", "always") for c in tok.children)
        # "the roads have long been shut": a state of things, not the news

    dets = {c.lower_ for c in tok.children if c.dep_ in ("det", "amod", "predet")}
    if dets & cues()["general_words"]:
        return True
    if tok.tag_ in ("NNS", "NNPS") and _many(tok):
        return True  # "more than 300 ceasefire violations this year": a statistic, not one event
    has_det = any(c.dep_ in ("det", "poss", "nummod") for c in tok.children)
    if (
        tok.tag_ in ("NNS", "NNPS")
        and not has_det
        and tok.dep_ in ("nsubj", "nsubjpass")
        and tok.head.tag_ in ("VBZ", "VBP")
        and not any(c.dep_ == "aux" for c in tok.head.children)
    ):
        return True  # "defections highlight...", "crossings are rare": about a kind of event
    if (
        tok.dep_ == "pobj"
        and tok.head.lower_ == "of"
        and tok.head.head.lemma_.lower() in ("act", "risk", "threat", "wave", "number", "kind", "type")
    ):
        return True
    # "efforts to promote defection", "calls for talks": the event is the object of an intention
    gov = tok.head if tok.dep_ in ("dobj", "pobj") else None
    if gov is not None and gov.dep_ == "prep":
        gov = gov.head
    return gov is not None and gov.lemma_.lower() in cues()["hypothetical_heads"] | {
        "call",
        "demand",
        "propose",
        "request",
        "push",
        "prospect",
        "possibility",
    }
