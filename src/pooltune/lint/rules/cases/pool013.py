"""POOL013 async-client-across-loops: cases."""

from __future__ import annotations

from pooltune.lint.rules.cases import Expect, Invalid, Valid

VALID = (
    Valid(
        why="a client built inside the coroutine each asyncio.run starts",
        source="""\
import asyncio

from langchain_openai import AzureChatOpenAI


async def _answer(question: str) -> str:
    llm = AzureChatOpenAI(azure_deployment="gpt-4o", api_version="2024-06-01")
    return (await llm.ainvoke(question)).content


def answer_all(questions: list[str]) -> list[str]:
    return [asyncio.run(_answer(q)) for q in questions]
""",
    ),
)

INVALID = (
    Invalid(
        why="a LangChain wrapper built once, used from a new event loop per question",
        source="""\
import asyncio

from langchain_openai import ChatOpenAI

LLM = ChatOpenAI(model="gpt-4o-mini")


async def _answer(question: str) -> str:
    return (await LLM.ainvoke(question)).content


def answer_all(questions: list[str]) -> list[str]:
    answers = []
    for question in questions:
        answers.append(asyncio.run(_answer(question)))
    return answers
""",
        expected=(
            Expect(
                15,
                24,
                15,
                54,
                "`asyncio.run(_answer(...))` in a loop starts a new event loop each time, but "
                "`LLM` (langchain_openai.ChatOpenAI) is built once and its connections belong to "
                "the first loop: later calls fail with 'Event loop is closed' or hang; build the "
                "client inside the coroutine, or keep one loop running",
            ),
        ),
    ),
)
