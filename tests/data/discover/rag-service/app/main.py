"""Support assistant API.

Answers questions with OpenAI models; see https://api.openai.com for the API.
"""

from fastapi import FastAPI

from app.answer import answer_question

app = FastAPI()


@app.get("/ask")
def ask(q: str) -> dict[str, str]:
    # TODO: try anthropic for long answers (import anthropic)
    return {"answer": answer_question(q)}
