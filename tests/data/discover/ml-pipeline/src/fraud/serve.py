"""Online scoring service."""

import onnxruntime as ort
from llama_cpp import Llama
from sentence_transformers import SentenceTransformer

session = ort.InferenceSession("models/scorer.onnx")
explainer = Llama(model_path="weights/mistral-7b-instruct.Q4_K_M.gguf", n_ctx=4096)
embedder = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")


def score(features):
    return session.run(None, {"input": features})[0]
