"""The lm15 side of the llama.cpp engine: messages, responses and errors."""

from dspy.lm15 import Message, Request

from embtaskgen.embedded.requests import chat_messages, map_error, plain_prompt, to_response


def test_a_request_becomes_chat_messages_and_a_plain_prompt():
    request = Request(model="m", system="Be brief.", messages=(Message.user("Hi"),))
    assert chat_messages(request) == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert plain_prompt(chat_messages(request)) == "Be brief.\n\nHi"


def test_a_completion_result_becomes_a_response_with_its_usage():
    raw = {"choices": [{"text": "[]", "finish_reason": "length"}], "usage": {"prompt_tokens": 3}}
    response = to_response(raw, "m", chat=False)
    assert (response.finish_reason, response.usage.input_tokens) == ("length", 3)


def test_llama_cpp_failures_map_to_the_lm15_taxonomy():
    overflow = ValueError("Requested tokens (5000) exceed context window of 4096")
    assert type(map_error(overflow)).__name__ == "ContextLengthError"
    assert type(map_error(ValueError("bad argument"))).__name__ == "InvalidRequestError"
