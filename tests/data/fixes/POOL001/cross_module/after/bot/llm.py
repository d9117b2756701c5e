import os

from openai import AsyncOpenAI

MODEL = "gpt-4o-mini"


def make_llm() -> AsyncOpenAI:
    """A client for the bot's model."""
    return AsyncOpenAI(api_key=os.environ.get("OPENAI_API_KEY", "sk-test"))
