from contextlib import asynccontextmanager

from fastapi import FastAPI
from openai import AsyncOpenAI

from .db import connect


@asynccontextmanager
async def lifespan(application: FastAPI):
    application.state.db = await connect()
    try:
        yield
    finally:
        await application.state.db.close()


app = FastAPI(lifespan=lifespan)


@app.post("/summarize")
async def summarize(text: str) -> str:
    llm = AsyncOpenAI(max_retries=2)
    reply = await llm.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": text}],
    )
    return reply.choices[0].message.content or ""
