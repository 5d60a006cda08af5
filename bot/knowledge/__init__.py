"""The knowledge base, free of Rasa: the article, the topic map, message analysis and answer composition.

    kb = get_kb()
    reply = reply_to(kb, "what is PIE and what is PIH", ranking, slots)   # analyse once, then decide
"""

from bot.knowledge.analysis import Analysis, analyse
from bot.knowledge.base import KnowledgeBase, KnowledgeError, Product, Topic, get_kb, load
from bot.knowledge.compose import Message, Reply
from bot.knowledge.parts import Part
from bot.knowledge.respond import reply_to, respond

__all__ = ["Analysis", "KnowledgeBase", "KnowledgeError", "Message", "Part", "Product", "Reply", "Topic", "analyse",
           "get_kb", "load", "reply_to", "respond"]
