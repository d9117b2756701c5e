from fastapi import FastAPI
from openai import AsyncOpenAI
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from fastapi import Request


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # pooltune: the app's clients live as long as the app (POOL001)
    app.state.llm = await make_llm()
    yield
    await app.state.llm.close()


app = FastAPI(lifespan=lifespan)


async def make_llm() -> AsyncOpenAI:
    return AsyncOpenAI(api_key="x")


@app.get("/a")
async def a(request: Request) -> str:
    llm = request.app.state.llm
    return str(await llm.models.list())
