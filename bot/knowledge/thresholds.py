"""Every threshold the understanding decides by, in one place.

Scores are the classifiers' (Rasa's DIET and the sentence-meaning classifier, averaged unless named)
and were chosen on the project's case sets and the development sets (docs/evaluation.md,
docs/understanding.md), never on the held-out ones. Two more live where their owners read them:
FallbackClassifier's `threshold` in config.yml (Rasa's own: below it a message's intent is
`nlu_fallback`, which goes to action_answer like any question), and the search's
RETRIEVAL_MIN_SCORE / RETRIEVAL_AMBIGUITY settings (bot/config.py: an operator may tune them).
"""

# Reading a message (bot/knowledge/analysis.py)
MAX_PARTS = 3  # questions answered from one message
PART_EVIDENCE = 0.35  # a part whose best example is less similar than this is context, not a question
MIN_ENGLISH_SHARE = 0.5  # of a message's words, for it to be read as English
OUT_OF_SCOPE_CONFIDENCE = 0.4  # the classifier's out-of-scope guess outweighs a product's name from here
OUT_OF_SCOPE_DOUBT = 0.2  # ...and outweighs a message with no skin word from here
IN_SCOPE_SURE = 0.6  # a message with no skin word is answered only when the classifiers are this sure
IN_SCOPE_GUESS = 0.4  # ...or this sure, when the article's search ranks the same topic among its first two
MEANING_SURE = 0.7  # the sentence-meaning classifier this sure, its topics and the properties together: about skin
UNANSWERED_SURE = 0.3  # the averaged score for a property the article doesn't give
PROPERTY_GUESS = 0.1  # ...a property this close behind a named product's topic is read without the name
CLAIM_LOG_PROB = -11.5  # a word rarer than this in everyday English ("fragrance", "comedogenic", "shine",
#                         not "contain" or "free") names a claim; said of another product only, it is not this one's
STEM = 7  # ...and words that share this many first letters are one word ("inflammation", "anti-inflammatory")
FREQUENT_LOG_PROB = -8.0  # words more frequent than this ("the", "start", "work") say nothing of a product or topic
SAME_WORD = 0.65  # a rare word this near a claim word in pretrained word meaning means it ("scented": "fragrance")
SAME_WORD_MARGIN = 0.1  # ...and this much nearer than to any other claim word ("smelly": "fragrance" and "oily")
NEAR_ARTICLE = 0.55  # a rare noun visitors ask about this near a word of the article means it ("vinegar": "acid")
CUSTOMER_SERVICE_SURE = 0.4  # orders, deliveries, returns... handed off only when this sure
CUSTOMER_SERVICE_MEANT = 0.25  # ...or the sentence meaning reads an order (or off topic) first, one this likely
DIET_SURE = 0.9  # Rasa's DIET this sure of a topic, in a message with a skin word, needs no second opinion
MIN_SUBJECT_CHARS = 4  # shorter unknown tokens are slang or noise ("ngl", "tbh", "rn"), not a subject

# Choosing the answer (bot/knowledge/respond.py): SURE and ahead by MARGIN, or CLEAR_GUESS -> answered;
# the search picks between the top two (each above WEAK_GUESS_CONFIDENCE); else a guess above MIN_INTENT
# stands. (The search weighs rare words: "Is post-inflammatory erythema a scar?" is found in PIE's passage,
# while the classifiers, 0.46 against 0.33, read marks vs scars.)
SURE = 0.4
MARGIN = 0.15
CLEAR_GUESS = 0.45
MIN_INTENT_CONFIDENCE = 0.15
WEAK_GUESS_CONFIDENCE = 0.1

# Following the conversation (bot/knowledge/conversation.py)
SHORT = 6  # words: a follow-up this short that names a subject and asks nothing of its own is an ellipsis
LONG = 12  # ...or its asking sentence this short when it says "too" / "as well" / "same" (10 until stop 31)
PERSONAL_GUESS = 0.1  # "is it ok for me?" read with what the visitor said of themselves: a health gap this sure
TOPIC_SAID = 0.5  # ...not what they said that means one of the article's topics this clearly ("i have oily skin")
HEALTH_SAID = 0.05  # ...and only what means a health question the article leaves to a doctor this much ("im 15")
ACKNOWLEDGED = 0.1  # a short reaction with less symptom than this in its meaning acknowledges the answer
PARTING_SHARE = 0.5  # ...a message whose meaning is this much a thank-you or a goodbye is one (analysis.reacts)
ELSEWHERE = 0.5  # a question with no words of its own, more likely than not out of scope: not a follow-up
REMEDY_SHARE = 0.5  # "what helps brown marks?": the article's remedies together this likely, none sure (plan.py)
OWN_TOPIC = 0.4  # "which is better...?" with a topic of its own this sure asks that, not for a comparison

# Red flags (bot/knowledge/safety.py): the sentence-meaning probability of the symptom intents
# together that a clause needs to mean a symptom report (tests/red_flags.yml, tests/dev/red_flags_dev.yml)
MIN_VOTE = 0.4
CONDITION_VOTE = 0.2  # ...for a clause that names a skin condition the article doesn't cover (safety.py)
AILMENT_VOTE = 0.3  # ...or an ailment the article doesn't speak of ("itchy welts", "a fever": KnowledgeBase.ailments)
# (a reaction to a product reads 0.22-0.26: "i've had itchy hives on my arms since i started the routine")
CLEAR_VOTE = 0.55  # ...a clause read alone this clearly as one is a report whatever the message around it
# ...a clause of a longer message is read alone only when it means this much of a report in its context:
# read alone, a clause reads more clearly, not from nothing (own sets and training examples, 471 clauses:
# of those read alone as a clear report, the least in context read 0.28; 78 % read less than this)
ALONE_VOTE = 0.05

# The sentence-meaning classifier (bot/knowledge/semantic.py)
MIN_PROBABILITY = 0.01  # intents below this are left out of a ranking
# Intents learnt from their examples only (semantic.Nearest): a message this similar to one of their
# examples, and this much more similar than to any other example, is one (the article's dates: the
# other messages of every case set are at most 0.44 similar to their examples)
NEAREST_SURE = 0.5
NEAREST_MARGIN = 0.05
