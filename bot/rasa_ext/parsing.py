"""`MessageProcessor.parse_message` reading a message on a parse thread while others are in hand (a
replacement: bot/rasa_ext/patches.py).

Rasa reads each message (the NLU graph) on its event loop: at saturation one replica's throughput is
that thread's CPU, while the sentence encoder, most of reading a message (73 % over the own and
development texts, read cold in one process), computes without Python and the second core is mostly
idle. While other messages are in hand, the graph runs on one of two parse threads instead: one
message's encoder runs while another's Python goes on, and the loop meanwhile stores conversations and
calls the action server. Their Python is one at a time (bot/knowledge/turns.py), so the graph's
components see what they always did: the same parse, message for message
(tests/rasa_ext/test_parsing.py). A message alone is read on the loop, as before: no hop. Rasa's check for
an intent or entity the domain doesn't know runs only when there is one (`_may_be_unseen`).
"""

from __future__ import annotations

import asyncio
import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa.core import processor as rasa_processor
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_ext.in_hand import messages_in_hand

PARSE_THREADS = 2
_original = MessageProcessor.parse_message
_threads: ThreadPoolExecutor | None = None
_on_threads = 0  # messages being read on the parse threads now


def _read(processor: MessageProcessor, message: UserMessage, tracker: DialogueStateTracker,
          only_output_properties: bool) -> dict[str, Any]:
    from bot.knowledge.turns import reading  # (the turn alone; the model loaded the knowledge base)

    with reading():
        return processor._parse_message_with_graph(message, tracker, only_output_properties)


async def parse_message(self: MessageProcessor, message: UserMessage, tracker: DialogueStateTracker | None = None,
                        only_output_properties: bool = True) -> dict[str, Any]:
    """Rasa's `parse_message`, the graph run on a parse thread when other messages are in hand."""
    global _threads, _on_threads
    if self.http_interpreter:
        return await _original(self, message, tracker, only_output_properties)
    if tracker is None:
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
    if messages_in_hand() <= 1 and not _on_threads:  # alone: read on the loop, as Rasa does (no hop)
        parse_data = self._parse_message_with_graph(message, tracker, only_output_properties)
    else:
        if _threads is None:
            _threads = ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="parse")
        _on_threads += 1
        try:
            parse_data = await asyncio.get_running_loop().run_in_executor(
                _threads, _read, self, message, tracker, only_output_properties)
        finally:
            _on_threads -= 1
    self._update_full_retrieval_intent(parse_data)  # ...and the rest of Rasa's parse_message
    rasa_processor.structlogger.debug(
        "processor.message.parse", parse_data_text=copy.deepcopy(parse_data["text"]),
        parse_data_intent=parse_data["intent"], parse_data_entities=copy.deepcopy(parse_data["entities"]))
    if _may_be_unseen(self, parse_data):
        self._check_for_unseen_features(parse_data)
    return parse_data


def _may_be_unseen(processor: MessageProcessor, parse_data: dict[str, Any]) -> bool:
    """Whether Rasa's `_check_for_unseen_features` could warn: an intent the domain doesn't list, or any
    entity. It first asks `Domain.is_empty`, which builds an empty Domain to compare with at every call
    (~0.2 ms a message): asked only when there is something to warn of."""
    intent = (parse_data.get("intent") or {}).get("name")
    return bool(parse_data.get("entities")) or bool(intent and processor.domain
                                                    and intent not in processor.domain.intents)
