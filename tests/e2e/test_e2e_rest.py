"""End to end over HTTP: a real Rasa server (the custom actions in its process) + SQLite tracker store."""

import uuid

import pytest
import requests


def test_grounded_answer_names_its_section(servers):
    texts = servers.texts("what causes pimple marks?")
    assert texts[0].startswith("From *What causes pimple marks?*:")
    assert "excess melanin production after inflammation" in " ".join(texts)


@pytest.mark.parametrize("payload, response", [
    ("/greet", "utter_greet"), ("/ask_capabilities", "utter_capabilities"), ("/bot_challenge", "utter_bot"),
    ("/goodbye", "utter_goodbye"), ("/thank", "utter_thank"),
])
def test_smalltalk_is_one_message_with_text_buttons_and_kind(servers, domain, payload, response):
    replies = servers.say(payload).json()
    expected = domain["responses"][response][0]
    assert len(replies) == 1, replies
    (reply,) = replies
    assert reply["text"] == expected["text"]
    assert reply.get("buttons", []) == expected.get("buttons", [])
    assert reply["custom"] == {"kind": "smalltalk"}


def test_buttons_are_sent_and_their_payloads_work(servers):
    response = servers.say("tell me about thiamidol").json()
    payload = response[-1]["buttons"][0]["payload"]
    assert payload.startswith("/ask_")
    assert servers.texts(payload)[0].startswith("From *")


def test_followups_keep_context(servers):
    sender = uuid.uuid4().hex
    servers.texts("I have red marks from old pimples", sender)
    joined = " ".join(servers.texts("what causes them?", sender))
    assert "blood vessels" in joined and "excess melanin" not in joined
    sender = uuid.uuid4().hex
    servers.texts("tell me about the serum", sender)
    assert "2 weeks" in " ".join(servers.texts("how long until it works?", sender))


def test_red_flag_gets_a_doctor_first(servers):
    texts = servers.texts("my spot is hot, swollen and the redness is spreading fast")
    assert "doctor" in texts[0].lower() and not texts[0].startswith("From *")


def test_out_of_scope_is_declined_politely(servers):
    (reply,) = servers.say("how do I cook pasta").json()
    assert "only answer questions about the marks acne leaves" in reply["text"]
    assert reply["custom"] == {"kind": "declined"}


def test_two_questions_in_one_message_get_two_answers_each_with_its_section(servers):
    replies = servers.say("what is PIH and what is thiamidol").json()
    assert [r["custom"]["topic"] for r in replies] == ["pih", "thiamidol"]
    assert [r["custom"]["section"] for r in replies] == ["What causes pimple marks?",
                                                         "Skincare routine to get rid of pimple marks"]
    assert "buttons" not in replies[0] and replies[-1]["buttons"]


def test_it_means_the_product_just_discussed(servers):
    sender = uuid.uuid4().hex
    servers.texts("what does the mattifying fluid do", sender)
    joined = " ".join(servers.texts("any perfume in it?", sender))
    assert "fragrance-free" in joined and "Cleansing Gel" not in joined


@pytest.mark.parametrize("message", [
    "", "   \n\t ", "x" * 10_000, "😀😀 🙈", "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script> what is PIE?", "/nonexistent_intent", "/ask_serum{\"bad json",
])
def test_odd_inputs_get_a_polite_reply_and_no_markup(servers, message):
    response = servers.say(message)
    assert response.status_code == 200, response.text
    texts = [m.get("text", "") for m in response.json()]
    assert texts and all(t.strip() for t in texts)
    joined = " ".join(texts).lower()
    assert "<script" not in joined and "<img" not in joined and "onerror" not in joined


@pytest.mark.parametrize("body, status", [
    (b"not json", 400), (b'{"sender": "a"}', 400), (b'{"message": "hi"}', 400), (b"[]", 400),
    (b'{"message": ["x"], "sender": "c"}', 400), (b'{"message": 5, "sender": "b"}', 200),
])
def test_malformed_requests_get_a_clear_400(servers, body, status):
    response = requests.post(servers.url + "/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == status, response.text


def test_readiness_names_each_dependency(servers):
    ready = requests.get(servers.url + "/ready", timeout=10)
    assert ready.status_code == 200
    # the custom actions run in Rasa's process (endpoints.yml's actions_module): no action server to check
    assert ready.json() == {"ready": True, "checks": {"model": "ok", "tracker_store": "ok"}}


def test_conversations_survive_a_rasa_restart(servers):
    sender = uuid.uuid4().hex
    servers.texts("I've got brown marks after my spots", sender)
    servers.stop_rasa()
    servers.start_rasa()
    joined = " ".join(servers.texts("what causes them?", sender))
    assert "excess melanin" in joined and "blood vessels" not in joined


def test_the_custom_actions_answer_in_rasas_process(servers):
    """`make run` serves one process: the answer is the action's (its custom payload), no action server runs."""
    replies = servers.say("what causes pimple marks?").json()
    assert replies[0]["text"].startswith("From *") and replies[0]["custom"]["kind"] == "answer", replies
    assert servers.actions is None and "ACTION_ENDPOINT_URL" not in servers.env


def test_rasa_runs_without_jax(servers):
    """TensorFlow's TFLite converter imports JAX when it is installed (~90 MB of Rasa's memory, never
    used): bot.cli marks it missing in the Rasa process, which still answers."""
    from pathlib import Path

    assert servers.texts("what causes pimple marks?")[0].startswith("From *")
    assert "jaxlib" not in Path(f"/proc/{servers.rasa.pid}/maps").read_text()


def test_rasa_runs_one_blas_thread(servers):
    """OpenBLAS helper threads spin after each matrix product: bot.cli keeps one (the first check
    counts the threads that use CPU; the second shows the setting is what does it)."""
    import subprocess
    import sys

    from bot.config import ROOT
    from tests.servers import busy_threads

    for _ in range(20):
        servers.say("how long does the serum take to work?")
    assert servers.rasa is not None
    busy = busy_threads(servers.rasa.pid)
    assert len(busy) <= 1, f"{len(busy)} threads of Rasa used CPU"
    script = ("from bot.cli import one_blas_thread; one_blas_thread(); import numpy; "
              "from threadpoolctl import threadpool_info; "
              "print(sorted(i['num_threads'] for i in threadpool_info() if i['internal_api'] == 'openblas'))")
    assert subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT).stdout.strip() == "[1]"


def test_the_stored_user_event_keeps_the_analysis_the_reply_came_from(servers):
    import json
    import sqlite3

    sender = uuid.uuid4().hex
    texts = servers.texts("my lips are swelling and my throat feels tight since i put the serum on", sender)
    assert "medical help now" in texts[0]
    with sqlite3.connect(servers.workdir / "tracker.db") as db:
        (row,) = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,))
    analysis = json.loads(row[0])["parse_data"]["analysis"]
    assert analysis["red_flag"] == "urgent" and analysis["text"].startswith("my lips are swelling")


def test_orders_are_handed_off_without_a_quote(servers):
    (reply,) = servers.say("my parcel still hasn't arrived, where is it?").json()
    assert reply["custom"]["kind"] == "handoff" and "orders" in reply["text"] and "From *" not in reply["text"]
