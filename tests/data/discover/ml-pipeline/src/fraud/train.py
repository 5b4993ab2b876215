"""Nightly training of the fraud classifier."""

import joblib
import torch
from sklearn.ensemble import GradientBoostingClassifier
from transformers import AutoModelForSequenceClassification, AutoTokenizer

ENCODER = "distilbert/distilbert-base-uncased"


def load_encoder():
    tokenizer = AutoTokenizer.from_pretrained(ENCODER)
    model = AutoModelForSequenceClassification.from_pretrained("distilbert/distilbert-base-uncased", num_labels=2)
    return tokenizer, model


def load_previous(path: str):
    return torch.load(path, weights_only=False)


def train(features, labels):
    clf = GradientBoostingClassifier()
    clf.fit(features, labels)
    joblib.dump(clf, "models/fraud.joblib")
    return clf


def load_baseline():
    return joblib.load("models/fraud.joblib")
