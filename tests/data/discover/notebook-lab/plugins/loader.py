"""Loads the optional scoring back end by name."""

import importlib


def backend():
    return importlib.import_module("cohere")


def other(name: str):
    return importlib.import_module(name)
