import os

import chromadb
from openai import OpenAI

from langchain_openai import ChatOpenAI

BASE_URL = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")

client = OpenAI(base_url=BASE_URL)
store = chromadb.PersistentClient(path="/var/lib/assistant/chroma")
chat = ChatOpenAI(model="gpt-4o-mini")


def answer_question(question: str) -> str:
    """Retrieve four passages and ask the model (the endpoint is api.openai.com unless overridden)."""
    docs = store.get_collection("kb").query(query_texts=[question], n_results=4)
    context = "\n".join(docs["documents"][0])
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": context}, {"role": "user", "content": question}],
    )
    return reply.choices[0].message.content or ""
