from unittest import mock

from app.answer import answer_question


def check_answer_uses_the_client() -> None:
    with mock.patch("openai.OpenAI"):
        assert isinstance(answer_question("hi"), str)
