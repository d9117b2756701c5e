from contextlib import asynccontextmanager

from fastapi import FastAPI
from openai import AsyncOpenAI

from .db import connect
from fastapi import Request


@asynccontextmanager
async def lifespan(application: FastAPI):
    application.state.db = await connect()
    try:
        application.state.llm = AsyncOpenAI(max_retries=2)
        yield
        await application.state.llm.close()
    finally:
        await application.state.db.close()


app = FastAPI(lifespan=lifespan)


@app.post("/summarize")
async def summarize(request: Request, text: str) -> str:
    llm = request.app.state.llm
    reply = await llm.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": text}],
    )
    return reply.choices[0].message.content or ""
