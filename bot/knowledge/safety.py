"""Red flags: a message that describes a worrying symptom of the writer's own skin.

A trigger word alone is not a symptom: "spread the fluid over my face", "my confidence is growing",
"hay fever", "colours bleed in the wash" are harmless. Each symptom below needs its word used about
the skin (a mark, a spot, "it"...) in a way that describes something happening to it; advice-seeking
about a risk ("how do I avoid infection") is not a report of one.
"""

from __future__ import annotations

import re

# What the symptom must be about: a mark, spot, patch of skin or "it" (the one just described).
_SKIN = (
    r"(?:it|its|it's|this|that|one|they|them|spot|spots|pimple|pimples|zit|zits|mark|marks|bump|lump|area|"
    r"skin|redness|rash|swelling|infection|cheek|cheeks|face|chin|forehead|nose|jaw|jawline|neck|mole|"
    r"cyst|sore|scab|blemish|breakout|patch|wound|lesion|boil|whitehead|red bit|eye|eyelid|lip|lips)"
)
# up to four words in between, none of them a product or a piece of news ("this serum is spreading")
_NEAR = r"(?:\W+(?!serum|fluid|gel|cleanser|cream|product|word|news|rumou?r|trend|hype)\w+){0,4}?\W+"
_PRODUCTS = (r"(?:the |some |a |my |your |this |that )?"
             r"(?:serum|fluid|gel|cleanser|cream|product|moisturi[sz]er|butter|word|rumou?r|news)")

_SYMPTOMS: dict[str, list[str]] = {
    "fever": [
        r"(?<!hay )(?<!cabin )(?<!football )(?<!spring )(?<!night )\bfever(?:ish)?\b",
        r"\b(?:high temperature|running a temperature|have a temperature|the chills|got chills|have chills|"
        r"shiver(?:y|ing))\b",
        r"\btemperature (?:is|of|was) (?:3[89]|4[0-2]|10[0-9])\b",
    ],
    "spreading": [
        rf"\b{_SKIN}{_NEAR}?(?:is |are |keeps? |has |have |'s |seems to be |started |starting |been )*"
        rf"(?:spread(?:s|ing)?|creep(?:s|ing)?|extend(?:s|ing)?|grow(?:s|ing)? outwards?)\b(?! {_PRODUCTS})",
        r"\bspreading (?:out|outwards?|across|up|down|fast|quickly|to my)\b",
        r"\bred (?:streaks?|lines?)\b",
    ],
    "bleeding": [
        rf"\b{_SKIN}{_NEAR}?(?:is |are |keeps? |has |have |started |starting |won't stop |wont stop )*"
        r"(?:bleed(?:s|ing)?|bled)\b(?! in the wash)",
        r"\b(?:bleeding|bleeds) (?:on its own|by itself|for no reason|again|a lot)\b",
        r"\b(?:keeps?|kept|started|starting|won't stop|wont stop) (?:\w+ ){0,3}?bleed(?:ing|s)?\b",
    ],
    "changing": [
        rf"\b{_SKIN}{_NEAR}?(?:is |are |has |have |'s |keeps? |started |been )*"
        r"(?:growing(?! in number)|getting (?:bigger|larger|raised|lumpier)|grown|grew|got bigger|gotten bigger|"
        r"changed (?:shape|size)|changing (?:shape|size)|turn(?:ed|ing)? (?:black|blue))\b",
        r"\b(?:edges?|borders?) (?:look|looks|are|is|seem)? ?(?:weird|irregular|uneven|jagged|blurry)\b",
        r"\b(?:turn(?:ed|ing|s)?|went|gone|going|change[sd]? colou?r to|changing colou?r to) "
        r"(?:\w+-)?(?:black|blue|grey|gray)\b",
        r"\b(?:changed?|changing|funny|weird|odd|strange|irregular) shape\b",
        r"\b(?:got|gone|getting|grown|grew|become|became|doubled|tripled)\W+(?:\w+\W+){0,2}?"
        r"(?:bigger|larger|in size)\b",
        r"\b(?:from flat to raised|(?:is|now|become|became|got|gone) raised)\b",
    ],
    "hot": [
        r"\b(?:hot|warm|burning) to (?:the )?touch\b",
        rf"\b{_SKIN}(?:'s| is| feels| feel| got| getting| has been)(?: really| very| so| all)? "
        r"(?:hot|burning|throbbing)\b(?! (?:today|outside|out|in here|weather))",
        r"\bthrobbing\b",
        r"\b(?:going|gone|gets|getting) numb\b",
    ],
    "swelling": [
        r"\b(?:swollen|swelled up|swelling up|swelling (?:around|on|under|in) (?:my|the) |swelling shut|"
        r"swollen shut)\b(?!.*\b(?:ankle|knee|wrist|foot|feet|leg|finger|workout|gym)\b)",
        rf"\b{_SKIN}(?:\W+\w+){{0,3}}?\W+(?:is |are |has |got |getting |all )?(?:swollen|swelling|swelled|puffy)\b",
    ],
    "pus": [
        r"\b(?:pus|oozing|oozes|ooze|weeping)\b(?!-free)",
        r"\b(?:yellow|green|greenish|white) (?:stuff|liquid|gunk|goo|crust) (?:coming|comes|leaking|keeps)\b",
    ],
    "infection": [
        r"(?<!avoid )(?<!avoid an )(?<!prevent )(?<!prevent an )(?<!risk of )(?<!chance of )(?<!without )"
        r"(?<!getting an )\b(?:infected|infection)\b(?! (?:risk|prevention|control))",
    ],
    "pain": [
        r"\b(?:severe|extreme|unbearable|excruciating|really bad|intense) (?:pain|hurt)",
        r"\b(?:very|so|really|super) painful\b",
        r"\bhurts? (?:so much|a lot|really bad(?:ly)?|like hell)\b",
        r"\b(?:really|very|so|super|extremely) (?:tender|sore to touch)\b",
    ],
}

# Asking about a risk or a procedure, or about the past, is not a report of a symptom.
_NOT_A_REPORT = re.compile(
    r"\b(?:how (?:do|can) i (?:avoid|prevent|stop)|to avoid|avoid (?:an )?infection|"
    r"(?:do|does|can|will|would) (?:chemical )?(?:peels?|lasers?|the \w+|it) (?:make|cause|leave)|"
    r"used to|went down|gone down|ages ago|no longer|stopped now|i've stopped|"
    r"had (?:a )?(?:fever|temperature)\b.*\b(?:last|ago))\b",
    re.I,
)

_COMPILED = {name: [re.compile(p, re.I) for p in patterns] for name, patterns in _SYMPTOMS.items()}


def red_flag(text: str) -> str | None:
    """The symptom that needs a doctor (fever, spreading, bleeding, ...) the text reports, if any."""
    for clause in re.split(r"(?<=[.!?;])\s+|\s+(?:but|anyway|also|btw)\s+", text):
        if _NOT_A_REPORT.search(clause):
            continue
        for name, patterns in _COMPILED.items():
            if any(p.search(clause) for p in patterns):
                return name
    return None
