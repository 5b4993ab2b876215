"""A small web shop. Nothing here calls https://api.openai.com, whatever the roadmap says."""

import requests
from flask import Flask

app = Flask(__name__)

# we might add openai later: import openai
BANNER = "Powered by OpenAI-free code"


@app.get("/")
def index() -> str:
    return BANNER + requests.__version__
